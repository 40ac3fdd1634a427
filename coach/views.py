from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from replays.models import Replay

from .models import Team
from .playlists.services import playlists_for_dashboard


@login_required
def home(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.visible_to(request.user).prefetch_related("memberships__user")
    recent = Replay.objects.visible_to(request.user).select_related("team")[:8]
    return render(
        request,
        "coach/home.html",
        {
            "teams": teams,
            "recent": recent,
            "playlists": playlists_for_dashboard(request.user),
            "coaches": any(t.is_coached_by(request.user) for t in teams),
        },
    )


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


class LoginView(auth_views.LoginView):
    """Django's login page, offering to make an account where the site allows it."""

    def get_context_data(self, **kwargs: object) -> dict:
        return {**super().get_context_data(**kwargs), "open_signup": settings.FILMROOM_OPEN_SIGNUP}


class LogoutView(auth_views.LogoutView):
    """POST logs out (Django's view). A GET, which Django answers with a bare 405 that the
    browser shows as its own error page (a typed or bookmarked logout address), asks first;
    someone not logged in goes to the login page."""

    http_method_names = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(settings.LOGOUT_REDIRECT_URL)
        return render(request, "registration/logout_confirm.html")
