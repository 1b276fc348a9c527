"""Websocket routes of every app, gathered in one place."""

from instructions.routing import websocket_urlpatterns as instruction_routes

websocket_urlpatterns = [*instruction_routes]
