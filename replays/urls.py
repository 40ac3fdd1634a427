from django.urls import path

from . import views

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
]
