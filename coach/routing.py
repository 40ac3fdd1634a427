"""Websocket routes of every app, gathered in one place."""

from coach.coreview.routing import websocket_urlpatterns as coreview_routes
from replays.routing import websocket_urlpatterns as replay_routes
from tournaments.routing import websocket_urlpatterns as tournament_routes

websocket_urlpatterns: list = [*tournament_routes, *replay_routes, *coreview_routes]
