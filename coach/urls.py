from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from . import views
from .teams import views as team_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", team_views.signup, name="signup"),
    path("join/<str:token>", team_views.join, name="join"),
    path("teams/", include("coach.teams.urls")),
    path("replays/", include("replays.urls")),
    path("arena/", include("tournaments.urls")),
    path("tournaments/", include("tournaments.tournament_urls")),
    path("profiles/", include("replays.profiles.urls")),
    path("admin/login/", views.admin_login),
    path("admin/", admin.site.urls),
    path("coach/", include("coach.notes.urls")),
    path("matches/", include("tournaments.match_urls")),
]
urlpatterns += [path("playlists/", include("coach.playlists.urls"))]

# The 403 page shows a coach.refusals.Refused's message (why), and the generic text otherwise.
handler403 = "coach.refusals.permission_denied"
