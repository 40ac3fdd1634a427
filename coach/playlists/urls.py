"""Playlists, mounted at ``/playlists/``."""

from django.urls import path

from . import views

app_name = "playlists"
urlpatterns = [
    path("", views.playlist_list, name="list"),
    path("new", views.playlist_new, name="new"),
    path("<int:pk>/", views.playlist_play, name="play"),
    path("<int:pk>/edit", views.playlist_edit, name="edit"),
    path("<int:pk>/add", views.playlist_add, name="add"),
    path("<int:pk>/items/<int:item_id>", views.playlist_item, name="item"),
    path("<int:pk>/reviewed", views.playlist_reviewed, name="reviewed"),
    path("<int:pk>/delete", views.playlist_delete, name="delete"),
]
