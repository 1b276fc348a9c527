"""The live Andon board: each desk user joins the group of the role whose calls they see."""

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from labor.andon import andon_board_html, andon_group
from labor.selectors import board_role


class AndonBoardConsumer(AsyncWebsocketConsumer):
    group = ""

    async def connect(self) -> None:
        user = self.scope.get("user")
        role = await database_sync_to_async(board_role)(user) if user is not None else None
        if role is None:
            await self.close(code=4403)
            return
        self.group = andon_group(role)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        # A (re)connect gets the whole board: calls raised while the socket or Redis was down show up at once.
        await self.send(text_data=await database_sync_to_async(andon_board_html)(role))

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The board only listens; acknowledgements go through the HTTP forms (CSRF, audit)."""

    async def andon_update(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["html"])
