"""Station screens are never cached and never snapshotted; the reload banner's placeholder is not out of band.

The browser side (Back after Done, a clean console) is tests/browser/test_station_history.py and every browser
journey; these check the same promises on the HTML and headers, on every run.
"""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client

from tests.actors import start, station_client

pytestmark = pytest.mark.django_db


def never_cached(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_station_screens_are_sent_no_store_and_without_htmx_snapshots(plant):
    assert never_cached(Client().get(f"/station/{plant.station.code}/"))
    tablet = station_client(plant.station, plant.trainee)
    url = start(tablet, plant.work_order.barcode)
    for response in (
        tablet.get("/station/home/"),
        tablet.get(url),
        tablet.post(url + "done/", HTTP_HX_REQUEST="true"),
        tablet.get("/labor/station/"),
    ):
        assert response.status_code == 200 and never_cached(response)
    page = tablet.get(url).content.decode()
    assert re.search(r'<body[^>]*\shx-history="false"', page)


def test_desk_pages_keep_their_caching_and_the_andon_board_loads_the_ws_extension_once(plant, client):
    client.force_login(plant.supervisor.user)
    assert not never_cached(client.get("/"))
    board = client.get("/labor/andon/")
    assert board.status_code == 200 and not never_cached(board)
    assert len(re.findall(r"hx-ws-2(\.min)?\.js", board.content.decode())) == 1


def test_the_step_page_holds_a_plain_banner_placeholder_and_loads_the_ws_extension_once(plant):
    tablet = station_client(plant.station, plant.trainee)
    url = start(tablet, plant.work_order.barcode)
    for page in (tablet.get(url).content.decode(), tablet.get(url, HTTP_HX_REQUEST="true").content.decode()):
        [banner] = re.findall(r'<div id="reload-banner"[^>]*>', page)
        assert "hx-swap-oob" not in banner  # an htmx step swap must not take it out of band
        assert len(re.findall(r"hx-ws-2(\.min)?\.js", page)) <= 1
    assert len(re.findall(r"hx-ws-2(\.min)?\.js", tablet.get(url).content.decode())) == 1
    # The consumer's push renders the partial alone: that one is out of band, into the placeholder.
    pushed = render_to_string("governance/reload_banner.html#reload-banner", {"released": plant.version})
    assert 'id="reload-banner" hx-swap-oob="true"' in pushed
