from django.urls import path

from planning.consumers import BoardConsumer

websocket_urlpatterns = [path("ws/planning/board/", BoardConsumer.as_asgi())]
