import re

import pytest
from django.utils import timezone

from instructions.models import Operation, Part, WorkInstruction
from quality.models import NCR
from tests.quality.conftest import desk_client

pytestmark = pytest.mark.django_db


class TestDefectTrends:
    def test_it_draws_ncrs_per_month_for_a_part_operation_and_step_as_inline_svg(self, history):
        part = Part.objects.get(number="HSG-3315")
        operation = Operation.objects.get(part=part, sequence=20)
        step = WorkInstruction.objects.get(operation=operation).current_version.steps.get(order=9)
        client = desk_client("300301")
        page = client.get(
            f"/quality/trends/?part={part.pk}&operation={operation.pk}&step={step.key}"
        ).content.decode()
        # The shipped history runs to late October 2026: on an earlier plant clock, later NCRs are not drawn.
        expected = NCR.objects.filter(
            operation=operation, step_key=step.key, opened_at__lte=timezone.now()
        ).count()
        assert expected > 0 and f"{expected} NCRs in the last" in page
        assert "<svg" in page and "Let the leak test complete" in page
        counts = [int(n) for n in re.findall(r"<title>[A-Z][a-z]{2} \d\d: (\d+)</title>", page)]
        assert sum(counts) == expected
        assert "cdn" not in page.lower()

    def test_it_ignores_unknown_filters(self, history):
        page = (
            desk_client("300301")
            .get("/quality/trends/?part=999999&operation=x&step=<script>")
            .content.decode()
        )
        assert "all parts" in page and "<script>" not in page.split("<main")[1]

    @pytest.mark.parametrize("value", ["XYZ", "1.5", "-1", "1e3", "99999999999999999999999", "١"])
    def test_it_ignores_a_malformed_part_or_operation(self, history, value):
        part = Part.objects.get(number="HSG-3315")
        client = desk_client("300301")
        response = client.get(f"/quality/trends/?part={value}&operation={value}&step={value}")
        assert response.status_code == 200 and "NCRs per month — all parts" in response.content.decode()
        response = client.get(f"/quality/trends/?part={part.pk}&operation={value}&step={value}")
        assert response.status_code == 200
        assert f"NCRs per month — {part.number}</h2>" in response.content.decode()  # no operation, no step
