from django.urls import path

from . import views

app_name = "coach"
urlpatterns = [
    path("replays/<int:replay_id>/notes.json", views.replay_notes, name="replay-notes"),
    path("notes/<int:pk>", views.note_detail, name="note"),
    path("notes/<int:pk>/replies", views.note_replies, name="note-replies"),
    path("notes/<int:pk>/resolve", views.note_resolve, name="note-resolve"),
    path("notes/<int:pk>/export.<str:what>", views.note_export, name="note-export"),
]
