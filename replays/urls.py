from django.urls import path

from . import manage_views, views
from .corrections import views as corrections

app_name = "replays"
urlpatterns = [
    path("", views.replay_list, name="list"),
    path("upload/", views.upload_page, name="upload"),
    path("uploads/", views.upload_create, name="upload-create"),
    path("uploads/<uuid:upload_id>", views.upload_chunk, name="upload-chunk"),
    path("<int:pk>/", views.replay_detail, name="detail"),
    path("<int:pk>/status", views.replay_status, name="status"),
    path("<int:pk>/video", views.replay_video, name="video"),
    path("<int:pk>/thumbnail", views.replay_thumbnail, name="thumbnail"),
    path("<int:pk>/reprocess", views.replay_reprocess, name="reprocess"),
    path("<int:pk>/profile", views.replay_set_profile, name="set-profile"),
    path("<int:pk>/frames.json", views.replay_frames, name="frames"),
    path("<int:pk>/review.mp4", views.replay_review_video, name="review-video"),
    path("<int:pk>/events/<int:event_id>/clip.<str:what>", views.event_clip, name="clip"),
    path("teams/<slug:slug>/", views.team_page, name="team"),
    # Event corrections (replays.corrections)
    path("<int:pk>/events/add", corrections.event_add, name="event-add"),
    path("<int:pk>/events/<int:event_id>/confirm", corrections.event_confirm, name="event-confirm"),
    path("<int:pk>/events/<int:event_id>/reject", corrections.event_reject, name="event-reject"),
    path("<int:pk>/events/<int:event_id>/move", corrections.event_move, name="event-move"),
    path("<int:pk>/labels.json", corrections.replay_labels, name="labels"),
]

# Managing replays (rename, tag, delete).
urlpatterns += [
    path("<int:pk>/edit", manage_views.replay_edit, name="edit"),
    path("<int:pk>/delete", manage_views.replay_delete, name="delete"),
]
