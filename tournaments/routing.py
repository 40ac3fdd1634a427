from django.urls import path

from .consumers import PlayConsumer
from .tournament_consumers import TournamentConsumer

websocket_urlpatterns = [
    path("ws/play/<str:agent_id>/", PlayConsumer.as_asgi()),
    path("ws/tournaments/<int:tournament_id>/", TournamentConsumer.as_asgi()),
]
