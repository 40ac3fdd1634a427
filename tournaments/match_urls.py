from django.urls import path

from . import match_views

app_name = "matches"
urlpatterns = [
    path("<int:pk>/", match_views.match_detail, name="detail"),
    path("<int:pk>/frames.json", match_views.match_frames, name="frames"),
    path("<int:pk>/render", match_views.match_render, name="render"),
]
