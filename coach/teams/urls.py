"""Team pages, mounted at ``/teams/``."""

from django.urls import path

from . import views

app_name = "teams"
urlpatterns = [
    path("", views.team_list, name="list"),
    path("new", views.team_new, name="new"),
    path("<slug:slug>/", views.team_detail, name="detail"),
    path("<slug:slug>/rename", views.team_rename, name="rename"),
    path("<slug:slug>/invites", views.invite_new, name="invite"),
    path("<slug:slug>/invites/<int:invite_id>/revoke", views.invite_revoke, name="invite-revoke"),
    path("<slug:slug>/members/<int:user_id>/role", views.member_role, name="member-role"),
    path("<slug:slug>/members/<int:user_id>/remove", views.member_remove, name="member-remove"),
    path("<slug:slug>/leave", views.team_leave, name="leave"),
]
