"""The live board: planners, supervisors and admins get the re-rendered Gantt when a schedule is released."""

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string

from plexcopilot.roles import ADMIN, PLANNER, SUPERVISOR, user_has_role

BOARD_ROLES = (PLANNER, SUPERVISOR, ADMIN)


def _board_html() -> str:
    from planning.gantt import gantt_svg
    from planning.selectors import plan_released

    plan = plan_released()
    return render_to_string("planning/_gantt.html", {"svg": gantt_svg(plan), "plan": plan, "oob": True})


class BoardConsumer(AsyncWebsocketConsumer):
    group = "planning-board"

    async def connect(self) -> None:
        user = self.scope.get("user")
        allowed = user is not None and await database_sync_to_async(user_has_role)(user, *BOARD_ROLES)
        if not allowed:
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Listen only."""

    async def board_refresh(self, event: dict[str, Any]) -> None:
        await self.send(text_data=await database_sync_to_async(_board_html)())
