"""Scan → adapted instruction page, beside a bare Django page, in the same run."""

import time

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client
from django.test.utils import override_settings
from django.urls import include, path

from bench.stats import median, percentile
from instructions.models import Station, WorkOrder, WorkOrderStatus
from plexcopilot.models import Employee

REQUESTS = 300
BARE_TEMPLATE = engines["django"].from_string(
    "<table>{% for p in parts %}<tr><td>{{ p.number }}</td><td>{{ p.name }}</td><td>{{ p.revision }}</td></tr>{% endfor %}</table>"
)


def bare_view(request: HttpRequest) -> HttpResponse:
    """A plain Django page: three indexed queries and a 30-row template."""
    from instructions.models import Part, WorkCenter

    WorkCenter.objects.filter(code="PRS-400").first()
    Employee.objects.filter(badge_id="100101").first()
    Station.objects.filter(code="ST-PRS-400").first()
    rows = [Part(number=f"P-{n:04d}", name=f"Part {n}", revision="A") for n in range(30)]
    return HttpResponse(BARE_TEMPLATE.render({"parts": rows}))


urlpatterns = [path("bench/bare/", bare_view), path("", include("plexcopilot.urls"))]


def _timed(samples: list[float], call) -> HttpResponse:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    response = call()
    samples.append((time.perf_counter() - started) * 1000)
    return response


@override_settings(ROOT_URLCONF="bench.station", ALLOWED_HOSTS=["*"])
def run() -> dict[str, float]:
    station = Station.objects.get(code="ST-PRS-400")
    work_order = WorkOrder.objects.filter(
        operation__work_center=station.work_center,
        status__in=[WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS],
    ).first()
    employee = Employee.objects.get(badge_id="100107")  # a trainee: the fullest adaptation
    client = Client()
    client.force_login(employee.user, backend="plexcopilot.auth.BadgePinBackend")
    session = client.session
    session["station_id"], session["station_code"] = station.pk, station.code
    session.save()
    scan: list[float] = []
    bare: list[float] = []
    for _ in range(20):  # warm-up
        client.get("/bench/bare/")
        client.get(client.post("/station/scan/", {"code": work_order.barcode})["Location"])
    for _ in range(REQUESTS):
        samples: list[float] = []
        response = _timed(samples, lambda: client.post("/station/scan/", {"code": work_order.barcode}))
        page = _timed(samples, lambda url=response["Location"]: client.get(url))
        assert page.status_code == 200, page.status_code
        scan.append(sum(samples))
        _timed(bare, lambda: client.get("/bench/bare/"))
    connection.close()
    return {
        "scan_page_p50_ms": median(scan),
        "scan_page_p95_ms": percentile(scan, 95),
        "bare_django_p95_ms": percentile(bare, 95),
        "scan_page_to_bare_p95_ratio": percentile(scan, 95) / percentile(bare, 95),
    }
