"""Websocket consumers of the instructions app."""

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string
from django.utils import translation

from instructions.models import InstructionVersion, WorkInstruction
from instructions.scoping import instruction_listener_allowed
from plexcopilot.middleware import STATION_SESSION_KEY
from plexcopilot.models import Employee


def instruction_group(instruction_id: int) -> str:
    return f"instruction-{instruction_id}"


class InstructionVersionConsumer(AsyncWebsocketConsumer):
    """A station page showing version `version_id` of an instruction listens for newer releases.

    It gets the reload banner at once if the version is already obsolete when it connects
    (a publish it missed while reconnecting), and whenever a new version is published.
    """

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        kwargs = self.scope["url_route"]["kwargs"]
        session = self.scope.get("session")
        allowed = await database_sync_to_async(instruction_listener_allowed)(
            user=user,
            station_id=session.get(STATION_SESSION_KEY) if session is not None else None,
            instruction_id=int(kwargs["instruction_id"]),
        )
        if not allowed:
            await self.close(code=4403)
            return
        self.instruction_id = int(kwargs["instruction_id"])
        self.version_id = int(kwargs["version_id"])
        await self.channel_layer.group_add(instruction_group(self.instruction_id), self.channel_name)
        await self.accept()
        current = await self._current()
        if current is not None and current.pk != self.version_id:
            await self.send(text_data=await self._banner(current))

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "instruction_id"):
            await self.channel_layer.group_discard(instruction_group(self.instruction_id), self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Stations only listen."""

    async def version_published(self, event: dict[str, Any]) -> None:
        if event["version_id"] == self.version_id:
            return
        current = await self._current()
        if current is not None:
            await self.send(text_data=await self._banner(current))

    @database_sync_to_async
    def _current(self) -> InstructionVersion | None:
        instruction = (
            WorkInstruction.objects.select_related("current_version__published_by")
            .filter(pk=self.instruction_id)
            .first()
        )
        return instruction.current_version if instruction is not None else None

    @database_sync_to_async
    def _banner(self, current: InstructionVersion) -> str:
        user = self.scope.get("user")
        user_pk: Any = getattr(user, "pk", None)  # None (no user) matches no employee
        employee = Employee.objects.filter(user_id=user_pk).first()
        with translation.override(employee.language if employee else None):  # the station's language
            return render_to_string("governance/reload_banner.html#reload-banner", {"released": current})
