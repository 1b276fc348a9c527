"""ASGI entry point: HTTP through Django, websockets through Channels with origin and auth checks."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plexcopilot.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from copilot.warmup import warm_at_start  # noqa: E402
from plexcopilot.routing import websocket_urlpatterns  # noqa: E402
from plexcopilot.uploads import BodySizeLimit  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodySizeLimit(django_asgi_app),  # big bodies refused before they are read
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# The first question must not pay for loading the embedding model and the indexes (COPILOT_WARM_AT_START=0
# turns this off).
warm_at_start()
