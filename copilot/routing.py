from django.urls import path

from copilot.consumers import CopilotConsumer

websocket_urlpatterns = [
    path("ws/copilot/<int:execution_id>/<int:order>/", CopilotConsumer.as_asgi()),
]
