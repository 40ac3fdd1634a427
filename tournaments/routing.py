from django.urls import path

from .consumers import PlayConsumer

websocket_urlpatterns = [
    path("ws/play/<str:agent_id>/", PlayConsumer.as_asgi()),
]
