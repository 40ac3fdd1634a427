from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from replays.models import Replay

from .models import Team


@login_required
def home(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.visible_to(request.user).prefetch_related("memberships__user")
    recent = Replay.objects.visible_to(request.user).select_related("team")[:8]
    return render(request, "coach/home.html", {"teams": teams, "recent": recent})


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})
