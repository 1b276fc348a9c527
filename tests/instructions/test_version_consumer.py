"""The station's reload banner over a real websocket through the project's ASGI stack."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from instructions.approval import proposal_sign
from instructions.proposals import proposal_draft
from plexcopilot.asgi import application
from tests.actors import start, station_client

pytestmark = pytest.mark.django_db(transaction=True)


def run(scenario):
    """Run an async scenario on its own event loop in a fresh thread (a browser test may own this one's loop)."""

    async def closing():
        try:
            return await scenario()
        finally:
            await database_sync_to_async(connections.close_all)()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, closing()).result()


def connect(client, path):
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    return WebsocketCommunicator(
        application, path, headers=[(b"cookie", cookie), (b"origin", b"http://localhost")]
    )


def release_v2(plant):
    step = plant.version.steps.get(order=1)
    proposal = proposal_draft(
        instruction=plant.instruction, base_version=plant.version, source="operator_flags",
        edits=[{"op": "change", "key": step.key, "fields": {"text": "Confirm die D-40 (blue tag) is loaded."}}],
        rationale="Which die?", evidence=[],
    )  # fmt: skip
    return proposal_sign(proposal=proposal, user=plant.supervisor.user, meaning="approved_for_release",
                         password="desk-pass-123").published  # fmt: skip


class TestInstructionVersionConsumer:
    def test_a_station_on_the_old_version_gets_the_reload_banner_when_a_version_is_published(self, plant):
        client = station_client(plant.station, plant.certified)
        path = f"/ws/instructions/{plant.instruction.pk}/{plant.version.pk}/"

        async def scenario():
            communicator = connect(client, path)
            connected, _ = await communicator.connect()
            assert connected
            assert await communicator.receive_nothing(timeout=0.2)
            v2 = await database_sync_to_async(release_v2)(plant)
            message = await communicator.receive_from(timeout=5)
            await communicator.disconnect()
            return v2, message

        v2, message = run(scenario)
        assert 'id="reload-banner"' in message and 'hx-swap-oob="true"' in message
        assert f"Version {v2.number} of this instruction is now released" in message

    def test_a_station_that_connects_after_the_publish_is_told_at_once(self, plant):
        client = station_client(plant.station, plant.certified)
        v2 = release_v2(plant)

        async def scenario():
            communicator = connect(client, f"/ws/instructions/{plant.instruction.pk}/{plant.version.pk}/")
            assert (await communicator.connect())[0]
            message = await communicator.receive_from(timeout=5)
            await communicator.disconnect()
            return message

        assert f"Version {v2.number}" in run(scenario)

    def test_a_station_on_the_current_version_hears_nothing(self, plant):
        client = station_client(plant.station, plant.certified)

        async def scenario():
            communicator = connect(client, f"/ws/instructions/{plant.instruction.pk}/{plant.version.pk}/")
            assert (await communicator.connect())[0]
            quiet = await communicator.receive_nothing(timeout=0.3)
            await communicator.disconnect()
            return quiet

        assert run(scenario)

    def test_it_refuses_an_anonymous_socket(self, plant):
        async def scenario():
            communicator = WebsocketCommunicator(
                application, f"/ws/instructions/{plant.instruction.pk}/{plant.version.pk}/",
                headers=[(b"origin", b"http://localhost")],
            )  # fmt: skip
            connected, _ = await communicator.connect()
            return connected

        assert run(scenario) is False

    def test_the_step_page_listens_for_its_own_version(self, plant):
        client = station_client(plant.station, plant.certified)
        page = client.get(start(client, "WO-1-10")).content.decode()
        assert f'ws-connect="/ws/instructions/{plant.instruction.pk}/{plant.version.pk}/"' in page
        assert 'id="reload-banner"' in page and "now released" not in page
