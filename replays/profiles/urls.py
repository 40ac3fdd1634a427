"""Game-profile pages and the profile editor, mounted at ``/profiles/``."""

from django.urls import path

from ..verifiers import views as verifier_views
from . import views

app_name = "profiles"
urlpatterns = [
    path("", views.profile_list, name="list"),
    path("import/", views.profile_import_page, name="import"),
    path("new/", views.profile_editor, name="new"),
    path("new/preview", views.editor_preview, name="new-preview"),
    path("new/save", views.editor_save, name="new-save"),
    path("frame/<int:replay_id>/<int:number>.png", views.frame_png, name="frame"),
    path("discover/<int:replay_id>", views.editor_discover, name="discover"),
    path("<int:pk>/", views.profile_detail, name="detail"),
    path("<int:pk>/edit/", views.profile_editor, name="edit"),
    path("<int:pk>/preview", views.editor_preview, name="preview"),
    path("<int:pk>/save", views.editor_save, name="save"),
    path("<int:pk>/verifier/train", verifier_views.verifier_train, name="verifier-train"),
    path("<int:pk>/redetect", views.profile_redetect, name="redetect"),
    path("<int:pk>/export.json", views.profile_export_json, name="export-json"),
    path("<int:pk>/export.zip", views.profile_export_zip, name="export-zip"),
    path("<int:pk>/v<int:number>/<str:name>", views.profile_reference, name="reference"),
]
