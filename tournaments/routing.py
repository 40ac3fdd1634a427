from django.urls import path

from .consumers import MatchConsumer, PlayConsumer
from .tournament_consumers import TournamentConsumer

websocket_urlpatterns = [
    path("ws/play/<str:agent_id>/", PlayConsumer.as_asgi()),
    path("ws/matches/<str:match_id>/", MatchConsumer.as_asgi()),
    path("ws/tournaments/<int:tournament_id>/", TournamentConsumer.as_asgi()),
]
