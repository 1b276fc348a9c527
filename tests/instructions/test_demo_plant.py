import pytest

from instructions.models import InstructionVersion, Operation, Part, Step, WorkInstruction, WorkOrder
from labor.models import EmployeeCertification
from plexcopilot.models import Employee
from quality.models import DefectReport
from tests.actors import desk_login

pytestmark = pytest.mark.django_db


class TestDemoPlant:
    def test_it_loads_a_realistic_plant(self, demo_plant):
        assert Part.objects.count() >= 3
        assert Operation.objects.count() >= 6
        assert WorkInstruction.objects.filter(current_version__isnull=False).count() >= 6
        for instruction in WorkInstruction.objects.all():
            steps = instruction.current_version.steps
            assert 8 <= steps.count() <= 25
            assert steps.filter(safety_critical=True).exists()
        assert Step.objects.filter(check_kind="torque").count() >= 4
        assert Step.objects.filter(check_kind="dimension").exists()
        operators = Employee.objects.filter(role="operator")
        assert operators.count() >= 8
        assert operators.values("language").distinct().count() >= 3
        assert {c.level for c in EmployeeCertification.objects.all()} == {"trainee", "certified", "expert"}
        from django.utils import timezone

        assert EmployeeCertification.objects.filter(valid_until__lt=timezone.localdate()).exists()
        assert WorkOrder.objects.count() >= 12
        assert DefectReport.objects.exclude(photo="").count() >= 15

    def test_it_is_idempotent(self, demo_plant):
        from instructions.demo import demo_plant_load

        counts = (InstructionVersion.objects.count(), DefectReport.objects.count(), Employee.objects.count())
        again = demo_plant_load()
        assert again["new_defects"] == 0
        assert counts == (
            InstructionVersion.objects.count(),
            DefectReport.objects.count(),
            Employee.objects.count(),
        )

    def test_it_prints_travelers_with_barcodes(self, demo_plant, client):
        desk_login(client, "200201", "northfield-demo")
        page = client.get("/work-orders/travelers/").content.decode()
        wo = WorkOrder.objects.exclude(status="complete").first()
        assert f"/work-orders/{wo.barcode}/barcode.svg" in page
        svg = client.get(f"/work-orders/{wo.barcode}/barcode.svg")
        assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
        assert b"<svg" in svg.content
