"""Websocket routes of every app, gathered in one place."""

from tournaments.routing import websocket_urlpatterns as tournament_routes

websocket_urlpatterns: list = [*tournament_routes]
