from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from replays.models import Replay

from . import limits
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
    """Django's login page, offering to make an account where the site allows it. Too many failed
    logins for one username from one address, or from one address in all (``coach.limits``),
    answer 429 with the form again, the username kept, without trying the password."""

    def get_context_data(self, **kwargs: object) -> dict:
        return {**super().get_context_data(**kwargs), "open_signup": settings.FILMROOM_OPEN_SIGNUP}

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        username = request.POST.get("username", "")
        refused = limits.login_refused(request, username)
        if refused is None:
            return super().post(request, *args, **kwargs)
        refusal, wait = refused
        form = self.get_form_class()(request, initial={"username": username})
        page = self.render_to_response(self.get_context_data(form=form, limited=refusal))
        return limits.limited(page, wait)

    def form_valid(self, form) -> HttpResponse:
        key = limits.login_key(self.request, self.request.POST.get("username", ""))
        limits.login_failures().clear(key)
        return super().form_valid(form)


def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """The admin's login, under the same limits on failed logins as the site's (the same
    passwords, the same counts): over one, 429 with the refusal instead of the form."""
    if request.method == "POST":
        refused = limits.login_refused(request, request.POST.get("username", ""))
        if refused is not None:
            message, wait = refused
            return limits.limited(render(request, "429.html", {"message": message}), wait)
    return admin.site.login(request, extra_context)


class LogoutView(auth_views.LogoutView):
    """POST logs out (Django's view). A GET, which Django answers with a bare 405 that the
    browser shows as its own error page (a typed or bookmarked logout address), asks first;
    someone not logged in goes to the login page."""

    http_method_names = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(settings.LOGOUT_REDIRECT_URL)
        return render(request, "registration/logout_confirm.html")
