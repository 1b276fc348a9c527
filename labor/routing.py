from django.urls import path

from labor.consumers import AndonBoardConsumer

websocket_urlpatterns = [
    path("ws/labor/andon/", AndonBoardConsumer.as_asgi()),
]
