"""Translated render overhead: the same step page for the same operator, in Spanish and in English.

The operator's language is flipped between requests (not timed), so the only difference is the language
rule (one query for the cached step translations) and the translated UI strings.
"""

import time

from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from bench.stats import median, percentile
from instructions.models import Station, WorkOrder, WorkOrderStatus
from languages.demo import demo_translations_load
from plexcopilot.models import Employee

REQUESTS = 300


@override_settings(ALLOWED_HOSTS=["*"])
def run() -> dict[str, float]:
    demo_translations_load()
    station = Station.objects.get(code="ST-PRS-400")
    work_order = WorkOrder.objects.filter(
        operation__work_center=station.work_center,
        status__in=[WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS],
    ).first()
    ana = Employee.objects.get(badge_id="100101")  # Spanish-speaking, PRESS-OP expert
    client = Client()
    client.force_login(ana.user, backend="plexcopilot.auth.BadgePinBackend")
    session = client.session
    session["station_id"], session["station_code"] = station.pk, station.code
    session.save()
    url = client.post("/station/scan/", {"code": work_order.barcode})["Location"]
    url = url[: url.rstrip("/").rfind("/") + 1] + "4/"  # the torque step: caution, spec, tool
    timings: dict[str, list[float]] = {"es": [], "en": []}
    for round_ in range(REQUESTS + 20):
        for language in ("es", "en"):
            Employee.objects.filter(pk=ana.pk).update(language=language)
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.status_code
            if round_ >= 20:  # warm-up rounds are not counted
                timings[language].append(elapsed)
    page = client.get(url).content.decode()
    assert "Apriete los ocho tornillos" not in page  # the last render was English
    Employee.objects.filter(pk=ana.pk).update(language="es")
    assert "Apriete los ocho tornillos" in client.get(url).content.decode()
    connection.close()
    es95, en95 = percentile(timings["es"], 95), percentile(timings["en"], 95)
    return {
        "spanish_render_p50_ms": median(timings["es"]),
        "spanish_render_p95_ms": es95,
        "english_render_p95_ms": en95,
        "translated_render_overhead_p95_ms": es95 - en95,
        "translated_render_overhead_p50_ms": median(timings["es"]) - median(timings["en"]),
    }
