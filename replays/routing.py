from django.urls import path

from .consumers import ReplayProgressConsumer

websocket_urlpatterns = [
    path("ws/replays/<int:replay_id>/", ReplayProgressConsumer.as_asgi()),
]
