from django.urls import path

from . import views

app_name = "tournaments"
urlpatterns = [
    path("agents/", views.agent_list, name="agents"),
    path("agents/upload", views.agent_upload, name="agent-upload"),
    path("agents/<uuid:pk>/", views.agent_detail, name="agent"),
    path("agents/<uuid:pk>/download", views.agent_download, name="agent-download"),
    path("agents/<uuid:pk>/delete", views.agent_delete, name="agent-delete"),
    path("agents/<uuid:pk>/play", views.play, name="play"),
    path("play/<str:name>/", views.play_house, name="play-house"),
    path("datasets/", views.dataset_list, name="datasets"),
    path("datasets/<uuid:pk>/download", views.dataset_download, name="dataset-download"),
    path("datasets/<uuid:pk>/delete", views.dataset_delete, name="dataset-delete"),
]
