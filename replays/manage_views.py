"""Managing replays: rename and tag, delete (after a confirmation page), filter the list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from coach.refusals import Refused

from . import services
from .models import Replay

FILTERS = services.TAG_FIELDS


def _replay_for(request: HttpRequest, pk: int) -> Replay:
    return get_object_or_404(Replay.objects.visible_to(request.user).select_related("team"), pk=pk)


def filter_replays(replays: QuerySet[Replay], params) -> tuple[QuerySet[Replay], dict[str, str]]:
    """Narrows replays by the tags in ``params`` (map, opponent, game) and a title search ``q``."""
    chosen = {name: params.get(name, "").strip() for name in (*FILTERS, "q")}
    for name in FILTERS:
        if chosen[name]:
            replays = replays.filter(**{f"{name}__iexact": chosen[name]})
    if chosen["q"]:
        replays = replays.filter(title__icontains=chosen["q"])
    return replays, {k: v for k, v in chosen.items() if v}


def tag_choices(replays: QuerySet[Replay]) -> dict[str, list[str]]:
    """The values each tag takes among these replays, for the filter's menus."""
    return {
        name: sorted(set(replays.exclude(**{name: ""}).values_list(name, flat=True)), key=str.lower)
        for name in FILTERS
    }


@login_required
@require_http_methods(["GET", "POST"])
def replay_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Any member of the team renames and tags a replay."""
    replay = _replay_for(request, pk)
    if request.method == "POST":
        fields = {name: request.POST.get(name, "") for name in ("title", *FILTERS)}
        try:
            services.replay_update(replay=replay, **fields)
        except services.ReplayEditError as exc:
            messages.error(request, str(exc))
            for name, value in fields.items():  # keep what was typed
                setattr(replay, name, value)
            return render(request, "replays/edit.html", {"replay": replay}, status=400)
        messages.success(request, "Saved.")
        return redirect(replay)
    return render(request, "replays/edit.html", {"replay": replay})


@login_required
@require_http_methods(["GET", "POST"])
def replay_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first; POST deletes. Its uploader, the team's coach or staff only."""
    replay = _replay_for(request, pk)
    if not replay.may_be_deleted_by(request.user):
        raise Refused("Only its uploader or the team's coach may delete a replay.")
    if request.method == "GET":
        shared = Replay.objects.filter(sha256=replay.sha256).exclude(pk=replay.pk).exists()
        return render(
            request,
            "replays/delete.html",
            {"replay": replay, "events": replay.events.count(), "shared": shared},
        )
    title = replay.title
    try:
        services.replay_delete(replay=replay)
    except services.ReplayDeleteError as exc:
        messages.error(request, f"Not deleted: {exc}")
        return redirect(replay)
    messages.success(request, f"“{title}” deleted.")
    return redirect("replays:list")
