from django.urls import path

from . import tournament_views as views

app_name = "bracket"
urlpatterns = [
    path("", views.tournament_list, name="list"),
    path("new", views.tournament_create, name="create"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("<int:pk>/", views.tournament_detail, name="detail"),
    path("<int:pk>/enter", views.tournament_enter, name="enter"),
    path("<int:pk>/start", views.tournament_start, name="start"),
    path("<int:pk>/cancel", views.tournament_cancel, name="cancel"),
    path("<int:pk>/delete", views.tournament_delete, name="delete"),
    path("<int:pk>/matches/<str:key>/settle", views.tournament_match_settle, name="settle"),
]
