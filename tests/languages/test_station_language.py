"""The station in the operator's language: UI strings, translated steps, the English original one tap away."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from instructions.models import AdaptationLog, Execution, Station, WorkOrder, WorkOrderStatus
from languages.demo import demo_translations_load
from languages.models import StepTranslation
from plexcopilot.models import Employee
from tests.actors import at, make_employee, start, station_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish_demo(demo_plant):
    demo_translations_load()
    station = Station.objects.get(code="ST-PRS-400")
    ana = Employee.objects.get(badge_id="100101")
    work_order = WorkOrder.objects.filter(
        operation__work_center=station.work_center,
        status__in=[WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS],
    ).first()
    return station, ana, work_order


def demo_client(station, employee, pin):
    from django.test import Client

    client = Client()
    response = client.post(f"/station/{station.code}/", {"badge": employee.badge_id, "pin": pin})
    assert response.status_code == 302
    return client


class TestSpanishOperator:
    def test_it_shows_the_station_ui_in_the_operators_language(self, spanish_demo):
        station, ana, _ = spanish_demo
        page = demo_client(station, ana, "4821").get("/station/home/").content.decode()
        assert "Escanee una orden de trabajo" in page
        assert "Cerrar sesión" in page
        assert '<html lang="es">' in page

    def test_it_shows_approved_spanish_steps_with_the_english_original_one_tap_away(self, spanish_demo):
        station, ana, work_order = spanish_demo
        client = demo_client(station, ana, "4821")
        url = start(client, work_order.barcode)
        page = client.get(at(url, 4)).content.decode()
        assert (
            "Apriete los ocho tornillos M16 de sujeción del troquel en cruz a 180 N·m (165–195 N·m)." in page
        )
        assert re.search(r"Paso 4 de \d+", page) and "CRÍTICO PARA LA SEGURIDAD" in page
        assert "Original (inglés)" in page
        assert "Torque the eight M16 die clamp bolts in a cross pattern to 180 N·m (165–195 N·m)." in page
        assert 'data-testid="mark-machine"' not in page and 'data-testid="mark-untranslated"' not in page

    def test_it_never_drops_a_safety_caution_and_uses_the_curated_phrases(self, spanish_demo):
        station, ana, work_order = spanish_demo
        client = demo_client(station, ana, "4821")
        url = start(client, work_order.barcode)
        page = client.get(at(url, 3)).content.decode()
        # The caution of the lockout step, in approved Spanish, in the full caution box.
        assert "Nunca entre en el espacio del troquel solo con el paro de emergencia." in page
        assert "caution-full" in page
        page = client.get(at(url, 6)).content.decode()
        assert "No inicie la producción." in page  # a standard safety phrase, verbatim

    def test_it_logs_the_language_rule_in_the_adaptation_log(self, spanish_demo):
        station, ana, work_order = spanish_demo
        client = demo_client(station, ana, "4821")
        client.get(start(client, work_order.barcode))
        log = AdaptationLog.objects.filter(employee=ana).latest("at")
        rule = next(r for r in log.rules if r["rule"] == "language")
        assert log.language == "es"
        assert rule["steps"] == list(range(1, log.version.steps.count() + 1))
        assert rule["untranslated"] == [] and rule["machine"] == [] and rule["flagged"] == []

    def test_it_reads_all_step_translations_in_one_query(self, spanish_demo):
        station, ana, work_order = spanish_demo
        client = demo_client(station, ana, "4821")
        url = start(client, work_order.barcode)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(at(url, 2)).status_code == 200
        reads = [q["sql"] for q in queries.captured_queries if "languages_steptranslation" in q["sql"]]
        assert len(reads) == 1

    def test_it_keeps_english_readers_on_the_original_text(self, spanish_demo):
        station, _, work_order = spanish_demo
        dwayne = Employee.objects.get(badge_id="100107")
        client = demo_client(station, dwayne, "3870")
        url = start(client, work_order.barcode)
        page = client.get(at(url, 4)).content.decode()
        assert "Torque the eight M16 die clamp bolts" in page and "Apriete" not in page
        assert "Original (English)" not in page
        assert re.search(r"Step 4 of \d+", page)

    def test_a_step_named_in_a_refusal_carries_its_translated_title(self, spanish_demo):
        station, ana, work_order = spanish_demo
        client = demo_client(station, ana, "4821")
        url = start(client, work_order.barcode)
        first = work_order_step(work_order, 1)
        spanish = spanish_title(first)
        assert spanish and spanish != first.title
        response = client.post(at(url, 3) + "done/")
        page = response.content.decode()
        assert response.status_code == 422
        assert f"Termine primero el paso 1 ({spanish})." in page
        assert f"({first.title})" not in page

    def test_the_take_over_page_lists_the_done_steps_with_their_translated_titles(self, spanish_demo):
        station, ana, work_order = spanish_demo
        dwayne = demo_client(station, Employee.objects.get(badge_id="100107"), "3870")
        url = start(dwayne, work_order.barcode)
        dwayne.post(url + "done/")
        dwayne.post(at(url, 2) + "done/")
        client = demo_client(station, ana, "4821")
        page = client.get(start(client, work_order.barcode)).content.decode()
        assert 'data-testid="handoff"' in page
        for order in (1, 2):
            step = work_order_step(work_order, order)
            assert f"{order}. {spanish_title(step)}</span>" in page
            assert step.title not in page

    def test_the_close_out_lists_the_steps_with_their_translated_titles_and_who_signed_off(
        self, spanish_demo
    ):
        """It listed the English titles the step pages never showed her, and not the supervisor's sign-off on a
        step that needs a second person (walkthrough findings)."""
        from django.utils import timezone

        from instructions.models import CriticalSignoff, ExecutionStatus, StepCompletion

        station, ana, work_order = spanish_demo
        client = demo_client(station, ana, "4821")
        start(client, work_order.barcode)
        execution = Execution.objects.get(work_order=work_order)
        steps = list(execution.version.steps.order_by("order"))
        for step in steps:
            StepCompletion.objects.create(execution=execution, step=step, completed_by=ana, station=station)
        rosa = Employee.objects.get(badge_id="200201")
        signed = steps[-1]
        CriticalSignoff.objects.create(execution=execution, step=signed, operator=ana, signer=rosa,
                                       signer_role="supervisor")  # fmt: skip
        Execution.objects.filter(pk=execution.pk).update(
            status=ExecutionStatus.COMPLETE, completed_at=timezone.now()
        )
        page = client.get(f"/station/run/{execution.pk}/closeout/").content.decode()
        who = page[
            page.index('data-testid="who-did"') : page.index("</ol>", page.index('data-testid="who-did"'))
        ]
        assert f"1. {spanish_title(steps[0])}" in who and f"1. {steps[0].title}<" not in who
        assert who.count('data-testid="who-signed-off"') == 1 and "Firmado por Rosa Delgado a las" in who
        assert f"{signed.order}. " in who.split("Firmado por")[0].rsplit("<li>", 1)[-1]


def work_order_step(work_order, order):
    execution = Execution.objects.get(work_order=work_order)
    return execution.version.steps.get(order=order)


def spanish_title(step) -> str:
    row = StepTranslation.objects.get(step=step, language="es")
    return row.fields["title"]["text"]


class TestUntranslatedLanguage:
    def test_it_marks_untranslated_text_and_shows_english_when_no_backend_exists(self, plant):
        polish = make_employee("510001", language="pl")
        from tests.actors import certify

        certify(polish, plant.instruction.operation.required_certification, "certified", 100)
        client = station_client(plant.station, polish)
        url = start(client, "WO-1-10")
        page = client.get(at(url, 1)).content.decode()
        assert 'data-testid="mark-untranslated"' in page
        assert "Jeszcze nieprzetłumaczone" in page
        assert "Confirm die D-40 is loaded." in page  # English kept, not dropped
        assert "Trzymaj ręce z dala." in page  # "Keep hands clear." from the safety phrases
        assert StepTranslation.objects.filter(version=plant.version, language="pl").count() == 4
        assert "Jeszcze nieprzetłumaczone: część tekstu" in page  # the caution is in Polish, the rest is not
        marks = {order: client.get(at(url, order)).content.decode() for order in (2, 3, 4)}
        whole = [order for order, step in marks.items() if "cały ten krok jest po angielsku" in step]
        assert whole, "a step with nothing in Polish says the whole step is English (walkthrough finding)"
        assert all("część tekstu" not in marks[order] for order in whole)


def test_the_polish_operator_reads_the_cnc_instruction_in_approved_polish(demo_plant):
    """The demo's Polish operator runs HSG-3315 op 10 at VM-2: every step in approved Polish, nothing marked
    untranslated, the English original one tap away (a walkthrough read it in English, marked, before the demo
    shipped Polish memory)."""
    demo_translations_load()
    station = Station.objects.get(code="ST-MCH-VM2")
    krzysztof = Employee.objects.get(badge_id="100103")
    assert krzysztof.language == "pl"
    work_order = WorkOrder.objects.filter(
        operation__work_center=station.work_center,
        operation__part__number="HSG-3315",
        status__in=[WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS],
    ).first()
    client = demo_client(station, krzysztof, "1964")
    url = start(client, work_order.barcode)
    page = client.get(at(url, 5)).content.decode()
    assert "Wymień płytki i dokręć śruby mocujące" in page
    assert "dokręć każdą śrubę mocującą płytkę momentem 3.5 N·m (3.2–3.8 N·m)." in page
    assert "Krawędzie płytek są ostre; trzymaj korpus narzędzia, nie krawędź skrawającą." in page
    assert "Replace worn inserts on the boring bar and face mill" in page  # the original, one tap away
    log = AdaptationLog.objects.filter(employee=krzysztof).latest("at")
    rule = next(r for r in log.rules if r["rule"] == "language")
    assert log.language == "pl"
    assert rule["untranslated"] == [] and rule["machine"] == [] and rule["flagged"] == []
