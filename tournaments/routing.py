from django.urls import path

from .consumers import MatchConsumer, PlayConsumer

websocket_urlpatterns = [
    path("ws/play/<str:agent_id>/", PlayConsumer.as_asgi()),
    path("ws/matches/<str:match_id>/", MatchConsumer.as_asgi()),
]
