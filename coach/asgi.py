"""HTTP and websockets in one ASGI application, served by Daphne."""

import os
import sys

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coach.settings")
django_asgi_app = get_asgi_application()

from coach.body_limits import BodyLimit, install_in_daphne, upload_limits  # noqa: E402
from coach.routing import websocket_urlpatterns  # noqa: E402  (needs Django set up first)

if "daphne.http_protocol" in sys.modules:  # served by Daphne: refuse before Twisted buffers
    install_in_daphne(upload_limits)

application = ProtocolTypeRouter(
    {
        "http": BodyLimit(django_asgi_app, upload_limits),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
