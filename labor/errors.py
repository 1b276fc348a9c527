"""What the labor services tell the person: the error they raise and the wording their messages share."""

import datetime

from django.utils import timezone

from labor.models import Punch


class LaborError(Exception):
    """A problem the person must see; the message is written for them."""


def center_code(punch: Punch) -> str:
    return punch.work_center.code if punch.work_center else "another work center"


def local_time(at: datetime.datetime) -> str:
    return f"{timezone.localtime(at):%H:%M}"
