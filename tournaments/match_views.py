"""Watching matches: ``/matches/<id>/`` (no login for public ones), its replay frames, and
"Render to video" (the match becomes a replay of the viewer's team, detected with the arena
profile)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from coach.models import Team
from coach.params import id_or_none
from coach.queue import enqueue

from . import spectate
from .models import Match


def _match_or_404(request: HttpRequest, pk: int) -> Match:
    match = spectate.match_for(request.user, pk)
    if match is None:
        raise Http404("No such match")
    return match


@require_GET
def match_detail(request: HttpRequest, pk: int) -> HttpResponse:
    match = _match_or_404(request, pk)
    teams = Team.objects.visible_to(request.user) if request.user.is_authenticated else []
    # The sides named as the socket names them ("random #2", not the match's label "random"):
    # the page reads the same before its script runs, and without it.
    info = spectate.spectator_info(match)
    return render(request, "tournaments/match.html", {"match": match, "info": info, "teams": teams})


@require_GET
def match_frames(request: HttpRequest, pk: int) -> HttpResponse:
    """Every tick of a finished match (or of a stopped one, up to the stop), replayed on the
    server from its record."""
    match = _match_or_404(request, pk)
    if not match.replayable:
        return JsonResponse({"error": _no_replay(match)}, status=409)
    path = spectate.replay_frames_file(match)  # made once, then read from disk
    head = json.dumps({"match": spectate.match_info(match)}, separators=(",", ":"))
    body = head[:-1].encode() + b',"frames":' + path.read_bytes() + b"}"
    return HttpResponse(body, content_type="application/json")


def _no_replay(match: Match) -> str:
    if match.state == Match.STOPPED:
        return "the match stopped before its first tick: there is nothing to replay"
    return "the match has not finished"


@login_required
@require_POST
def match_render(request: HttpRequest, pk: int) -> HttpResponse:
    match = _match_or_404(request, pk)
    team = Team.objects.visible_to(request.user).filter(pk=id_or_none(request.POST.get("team")))
    team = team.first()
    if team is None:
        messages.error(request, "Choose one of your teams to keep the video in.")
    elif match.state != Match.DONE or not match.games:
        messages.error(request, "Only a finished match can be rendered.")
    else:
        enqueue(
            "tournaments.tasks.match_render_task",
            match.pk,
            team.pk,
            request.user.pk,
            name=f"render-match-{match.pk}",
            group="matches",
        )
        messages.success(
            request,
            f"Rendering match {match.pk}: it appears in {team.name}'s replays, its K.O.s on the "
            "timeline, once rendered and detected.",
        )
    return redirect(match)
