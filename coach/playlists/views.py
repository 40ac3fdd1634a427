"""Playlist pages. Members of the team see and play them; its coach (or staff) builds them.

Another team's playlist is a 404 everywhere; a player asking to build or change one gets a 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from coach.models import Membership, Team
from coach.params import id_or_none
from coach.refusals import Refused
from replays.models import Clip, Event, GameProfile, Replay

from . import services, smart
from .models import Playlist, PlaylistItem

CRITERIA_FIELDS = ("player", "kind", "days", "date_from", "date_to", "profile", *smart.TAGS)


def _playlist_for(request: HttpRequest, pk: int) -> Playlist:
    playlists = Playlist.objects.visible_to(request.user).select_related("team", "assignee")
    return get_object_or_404(playlists, pk=pk)


def _coached_teams(user):
    if user.is_staff:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user, memberships__role=Membership.COACH)


def _form_context(team: Team) -> dict:
    return {
        "members": get_user_model().objects.filter(memberships__team=team).order_by("username"),
        "profiles": GameProfile.objects.usable_by_team(team),
        "tag_fields": smart.TAGS,
    }


@login_required
def playlist_list(request: HttpRequest) -> HttpResponse:
    playlists = Playlist.objects.visible_to(request.user).select_related("team", "assignee")
    return render(
        request,
        "coach/playlists/list.html",
        {"playlists": playlists[:200], "can_build": _coached_teams(request.user).exists()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def playlist_new(request: HttpRequest) -> HttpResponse:
    teams = _coached_teams(request.user)
    if not teams.exists():
        raise Refused("Only a team's coach builds playlists.")
    chosen = request.POST.get("team") or request.GET.get("team")
    team = teams.filter(pk=id_or_none(chosen)).first() if chosen else teams.first()
    if team is None:
        if not Team.objects.visible_to(request.user).filter(pk=id_or_none(chosen)).exists():
            raise Http404("no such team of yours")  # another team's, or none: not found
        raise Refused("Only a team's coach builds playlists.")
    context = {"teams": teams, "team": team, "form": request.POST, **_form_context(team)}
    if request.method == "GET":
        return render(request, "coach/playlists/new.html", context)
    is_smart = request.POST.get("smart") == "1"
    try:
        playlist = services.playlist_create(
            team=team,
            created_by=request.user,
            title=request.POST.get("title", ""),
            assignee_id=id_or_none(request.POST.get("assignee")),
            criteria={k: request.POST.get(k, "") for k in CRITERIA_FIELDS} if is_smart else None,
        )
    except services.PlaylistError as exc:
        messages.error(request, str(exc))
        return render(request, "coach/playlists/new.html", context, status=400)
    messages.success(request, f"Playlist “{playlist.title}” made.")
    return redirect(playlist if playlist.smart else reverse("playlists:edit", args=[playlist.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def playlist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    playlist = _playlist_for(request, pk)
    if not playlist.editable_by(request.user):
        raise Refused("Only the team's coach changes its playlists.")
    if request.method == "POST":
        try:
            services.playlist_update(
                playlist=playlist,
                title=request.POST.get("title", ""),
                assignee_id=id_or_none(request.POST.get("assignee")),
                criteria={k: request.POST.get(k, "") for k in CRITERIA_FIELDS},
            )
        except services.PlaylistError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Saved.")
        return redirect("playlists:edit", playlist.pk)
    replays = Replay.objects.filter(team=playlist.team, events__isnull=False).distinct()
    replay = replays.filter(pk=id_or_none(request.GET.get("replay"))).first()
    candidates = (
        Event.objects.filter(replay__team=playlist.team)
        .exclude(review=Event.REJECTED)
        .select_related("replay", "clip")
    )
    if replay:
        candidates = candidates.filter(replay=replay)
    if (kind := request.GET.get("kind")) in (Event.KILL, Event.DEATH):
        candidates = candidates.filter(kind=kind)
    in_list = set(playlist.items.values_list("event_id", flat=True))
    entries = services.playlist_entries(playlist, user=None)
    return render(
        request,
        "coach/playlists/edit.html",
        {
            "playlist": playlist,
            "entries": entries,
            "progress": services.playlist_progress(playlist, entries),
            "criteria": smart.describe(playlist.criteria) if playlist.smart else "",
            "replays": replays,
            "replay": replay,
            "kind": kind,
            "candidates": [
                e for e in candidates.order_by("-replay__created_at", "frame")[:200]
                if e.pk not in in_list
            ],
            "form": playlist.criteria,
            **_form_context(playlist.team),
        },
    )  # fmt: skip


@login_required
@require_POST
def playlist_add(request: HttpRequest, pk: int) -> HttpResponse:
    playlist = _playlist_for(request, pk)
    if not playlist.editable_by(request.user):
        raise Refused("Only the team's coach changes its playlists.")
    ids = [i for i in map(id_or_none, request.POST.getlist("event")) if i]
    if not ids:
        messages.error(request, "Tick the clips to add.")
        return redirect("playlists:edit", playlist.pk)
    try:
        added = services.playlist_add_events(
            playlist=playlist, event_ids=ids, note=request.POST.get("note", "")
        )
    except services.PlaylistError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{added} clip{'s' if added != 1 else ''} added.")
    return redirect("playlists:edit", playlist.pk)


@login_required
@require_POST
def playlist_item(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    """Saves an item's note, moves it up or down, or removes it (``action``)."""
    playlist = _playlist_for(request, pk)
    item = get_object_or_404(PlaylistItem, pk=item_id, playlist=playlist)
    if not playlist.editable_by(request.user):
        raise Refused("Only the team's coach changes its playlists.")
    action = request.POST.get("action", "save")
    if action == "up" or action == "down":
        services.playlist_item_move(item=item, offset=-1 if action == "up" else 1)
    elif action == "remove":
        services.playlist_item_remove(item=item)
        messages.success(request, "Clip removed from the playlist.")
    else:
        try:
            services.playlist_item_note(item=item, note=request.POST.get("note", ""))
        except services.PlaylistError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Note saved.")
    return redirect(reverse("playlists:edit", args=[playlist.pk]) + f"#item-{item_id}")


def _entry_json(entry: services.Entry, before: float, after: float) -> dict:
    event, replay = entry.event, entry.event.replay
    try:
        clip = event.clip
    except Clip.DoesNotExist:
        clip = None
    if clip is not None:
        src = reverse("replays:clip", args=[replay.pk, event.pk, "mp4"])
        start, end = 0.0, None
    else:  # no clip cut yet: the replay's own video around the event
        src = reverse("replays:video", args=[replay.pk])
        start = max(0.0, replay.start_s + event.time_s - before)
        end = replay.start_s + event.time_s + after
    return {
        "event": event.pk,
        "kind": event.kind,
        "frame": event.frame,
        "replay": replay.title,
        "src": src,
        "start": start,
        "end": end,
        "note": entry.note,
        "reviewed": entry.reviewed,
        # A coach said since that it did not happen: still in the playlist, but marked so.
        "rejected": event.review == Event.REJECTED,
        "share": reverse("replays:detail", args=[replay.pk]) + f"?frame={event.frame}",
    }


@login_required
def playlist_play(request: HttpRequest, pk: int) -> HttpResponse:
    """Plays the clips back to back with each one's note; ``?at=N`` starts at the N-th (0-based)."""
    playlist = _playlist_for(request, pk)
    entries = services.playlist_entries(playlist, user=request.user)
    team = playlist.team
    items = [_entry_json(e, team.clip_before_s, team.clip_after_s) for e in entries]
    at = min(max(id_or_none(request.GET.get("at", "")) or 0, 0), max(len(items) - 1, 0))
    can_edit = playlist.editable_by(request.user)
    return render(
        request,
        "coach/playlists/play.html",
        {
            "playlist": playlist,
            "items": items,
            "at": at,
            "current": items[at] if items else None,
            "reviewed": sum(i["reviewed"] for i in items),
            "criteria": smart.describe(playlist.criteria) if playlist.smart else "",
            "can_edit": can_edit,
            # How far its players got: for its coaches (a player sees their own marks only).
            "progress": services.playlist_progress(playlist, entries) if can_edit else None,
        },
    )


@login_required
@require_POST
def playlist_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    """Marks one clip reviewed (``reviewed=1``) or not for the user; JSON for the page's script."""
    playlist = _playlist_for(request, pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    event_id = id_or_none(request.POST.get("event"))
    try:
        reviewed = services.playlist_mark_reviewed(
            playlist=playlist,
            event_id=event_id or 0,
            user=request.user,
            reviewed=request.POST.get("reviewed") == "1",
        )
    except services.PlaylistError as exc:
        if wants_json:
            return JsonResponse({"error": str(exc)}, status=400)
        messages.error(request, str(exc))
        return redirect(playlist)
    if wants_json:
        return JsonResponse({"event": event_id, "reviewed": reviewed})
    at = request.POST.get("at", "0")
    return redirect(reverse("playlists:play", args=[playlist.pk]) + f"?at={at}")


@login_required
@require_http_methods(["GET", "POST"])
def playlist_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first; POST deletes. The team's coach or staff."""
    playlist = _playlist_for(request, pk)
    if not playlist.may_be_deleted_by(request.user):
        raise Refused("Only the team's coach deletes its playlists.")
    if request.method == "GET":
        return render(request, "coach/playlists/delete.html", {"playlist": playlist})
    title = playlist.title
    playlist.delete()
    messages.success(request, f"Playlist “{title}” deleted.")
    return redirect("playlists:list")
