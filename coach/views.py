from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

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
