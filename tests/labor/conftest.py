import datetime

import pytest
from django.test import Client
from django.utils import timezone

from labor.models import Punch, PunchSource


def desk_client(employee) -> Client:
    client = Client()
    client.force_login(employee.user)
    return client


def punch(employee, kind, at, *, work_center=None, work_order=None) -> Punch:
    return Punch.objects.create(employee=employee, kind=kind, at=at, work_center=work_center, work_order=work_order,
                                source=PunchSource.IMPORT)  # fmt: skip


@pytest.fixture
def supervisor_client(plant) -> Client:
    return desk_client(plant.supervisor)


@pytest.fixture
def morning():
    """06:00 plant time yesterday: the start of shift A."""
    day = timezone.localdate() - datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(6), tzinfo=timezone.get_current_timezone())
