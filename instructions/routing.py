from django.urls import path

from instructions.consumers import InstructionVersionConsumer

websocket_urlpatterns: list = [
    path(
        "ws/instructions/<int:instruction_id>/<int:version_id>/",
        InstructionVersionConsumer.as_asgi(),  # type: ignore[arg-type]
    ),
]
