from django.urls import path

from .consumers import CoReviewConsumer

websocket_urlpatterns = [
    path("ws/coreview/<int:replay_id>/", CoReviewConsumer.as_asgi()),
]
