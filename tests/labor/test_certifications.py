import datetime

from django.utils import timezone
from django.utils.html import strip_tags

from labor.certifications import certification_expiries, expiry_band, skill_gaps
from plexcopilot.models import CertificationType
from tests.actors import certify, make_employee
from tests.labor.conftest import desk_client


def test_it_bands_expiries_at_90_60_30_days():
    today = datetime.date(2026, 1, 1)
    bands = [
        expiry_band(today + datetime.timedelta(days=d), today)[0] for d in (-1, 0, 30, 31, 60, 61, 90, 91)
    ]
    assert bands == ["expired", "d30", "d30", "d60", "d60", "d90", "d90", ""]


def test_it_lists_expiring_certifications_soonest_first(plant):
    rows = certification_expiries(timezone.localdate())
    assert [r["cert"].employee for r in rows] == [plant.expired]
    soon = make_employee("520001")
    certify(soon, CertificationType.objects.get(code="PRESS-T"), "certified", 45)
    rows = certification_expiries(timezone.localdate())
    assert [(r["cert"].employee, r["band"]) for r in rows] == [(plant.expired, "expired"), (soon, "d60")]


def test_it_shows_the_matrix_and_the_alerts(plant):
    page = desk_client(plant.supervisor).get("/labor/certifications/").content.decode()
    assert "PRESS-T" in page and "Expert" in page and "EXPIRED" in page
    assert "Expired 3 d ago" in page


def test_it_finds_skill_gaps_for_the_open_work_and_suggests_cross_training(plant):
    for e in (plant.trainee, plant.certified, plant.expert, plant.expired, plant.uncertified):
        e.shift = "A"
        e.save()
    [gap] = skill_gaps(timezone.localdate())
    assert gap.cert.code == "PRESS-T" and gap.demand == 1 and gap.work == ["WO-1-10"]
    assert {e for e, _level, _until in gap.holders} == {plant.trainee, plant.certified, plant.expert}
    assert gap.by_shift == {"A": 3, "B": 0, "C": 0} and gap.severity == "thin"
    assert any("Renew" in s and plant.expired.full_name in s for s in gap.suggestions)
    assert any("trainee to certified" in s for s in gap.suggestions)
    assert any(s.startswith("Shift B has no valid PRESS-T") for s in gap.suggestions)
    page = desk_client(plant.supervisor).get("/labor/skill-gaps/")
    assert b"THIN" in page.content


def test_the_skill_gap_tags_read_apart_when_the_text_is_extracted(plant):
    """A screen reader and a copy of the page read the per-shift tags as "A: 3, B: 0", not "A: 3B: 0"."""
    for e in (plant.trainee, plant.certified, plant.expert):
        e.shift = "A"
        e.save()
    page = desk_client(plant.supervisor).get("/labor/skill-gaps/").content.decode()
    text = " ".join(strip_tags(page).split())
    assert "Per shift: A: 3, B: 0, C: 0" in text
    assert "PRESS-T — Test press operation THIN" in text
    assert "Cross-training and renewals Bring" in text and "certified on PRESS-T. Renew" in text


def test_it_shows_quality_engineers_the_andon_and_certifications_but_not_the_supervisor_tiles(plant):
    page = desk_client(plant.quality).get("/labor/")
    assert page.status_code == 200
    assert b"Andon board" in page.content and b"Certifications" in page.content
    assert b"Punch flags" not in page.content and b"Skill gaps" not in page.content
    assert b"Punch flags" in desk_client(plant.supervisor).get("/labor/").content


def test_the_renewals_are_listed_by_name_whatever_order_they_were_recorded_in(plant):
    """The suggestions followed the order the database returned the certifications in (PostgreSQL's differs)."""
    cert = CertificationType.objects.get(code="PRESS-T")
    for badge, last in (("500031", "Zimmer"), ("500032", "łukasz"), ("500033", "Adams")):
        employee = make_employee(badge, first="Pat")
        employee.last_name = last
        employee.save()
        certify(employee, cert, "certified", -5)
    renewals = [s for s in skill_gaps(timezone.localdate())[0].suggestions if s.startswith("Renew Pat")]
    assert [s.split("'s")[0] for s in renewals] == ["Renew Pat Adams", "Renew Pat Zimmer", "Renew Pat łukasz"]
