"""Websocket routes of every app, gathered in one place."""

from copilot.routing import websocket_urlpatterns as copilot_routes
from instructions.routing import websocket_urlpatterns as instruction_routes
from labor.routing import websocket_urlpatterns as labor_routes
from planning.routing import websocket_urlpatterns as planning_routes

websocket_urlpatterns = [*instruction_routes, *labor_routes, *copilot_routes, *planning_routes]
