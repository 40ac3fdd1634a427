"""Replay pages and endpoints. Lookups go through ``visible_to``: another team's replay is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coach import storage
from coach.models import Team
from coach.params import MAX_ID, id_or_none, json_body
from coach.refusals import Refused

from . import frameindex, services
from .charts import death_timing_figure, kd_trend_figure, timeline_figure
from .clips import ClipUnavailable, clip_file
from .corrections.services import can_correct, replay_cut_missing_clips
from .manage_views import filter_replays, tag_choices
from .models import Clip, Event, GameProfile, Replay, Upload
from .selectors import replay_stats, team_trends

CONTAINER_TYPES = {
    "mp4": "video/mp4",
    "mov": "video/mp4",
    "mkv": "video/webm",
    "webm": "video/webm",
}


def _replay_for(request: HttpRequest, pk: int) -> Replay:
    return get_object_or_404(Replay.objects.visible_to(request.user), pk=pk)


SORTS = {  # ?sort=: (what the menu says, the order); rejected events are not counted
    "newest": ("newest first", ("-created_at", "-id")),
    "oldest": ("oldest first", ("created_at", "id")),
    "title": ("title A–Z", (Lower("title"), "id")),
    "deaths": ("most deaths", ("-deaths", "-created_at", "-id")),
    "kills": ("most kills", ("-kills", "-created_at", "-id")),
}


@login_required
def replay_list(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.visible_to(request.user)
    replays = Replay.objects.visible_to(request.user).select_related(
        "team", "uploader", "detected_with__profile"
    )
    team = None
    if slug := request.GET.get("team"):
        team = get_object_or_404(teams, slug=slug)
        replays = replays.filter(team=team)
    choices = tag_choices(replays)
    replays, chosen = filter_replays(replays, request.GET)
    counted = ~Q(events__review=Event.REJECTED)  # as on the review and team pages (replay_stats)
    replays = replays.annotate(
        kills=Count("events", filter=Q(events__kind=Event.KILL) & counted),
        deaths=Count("events", filter=Q(events__kind=Event.DEATH) & counted),
    )
    sort = request.GET.get("sort", "")
    if sort not in SORTS:
        sort = "newest"
    replays = replays.order_by(*SORTS[sort][1])  # (Meta.ordering does not apply to grouped queries)
    return render(
        request,
        "replays/list.html",
        {
            "replays": replays[:200],
            "teams": teams,
            "team": team,
            "choices": choices,
            "chosen": chosen,
            "with_stats": True,
            "sorts": [(key, label) for key, (label, _) in SORTS.items()],
            "sort": sort,
        },
    )


@login_required
def replay_detail(request: HttpRequest, pk: int) -> HttpResponse:
    replay = _replay_for(request, pk)
    events = list(replay.events.select_related("clip", "profile_version").order_by("frame"))
    counted = [e for e in events if not e.rejected]  # a rejected event did not happen
    profiles = GameProfile.objects.usable_by_team(replay.team)
    at_fault = replay.profile_at_fault
    return render(
        request,
        "replays/detail.html",
        {
            "replay": replay,
            "events": events,
            "stats": replay_stats(replay, counted),
            "timeline": timeline_figure(replay, counted),
            "can_correct": can_correct(request.user, replay),
            "profiles": profiles,
            "latest_version": replay.profile.latest if replay.profile else None,
            "profile_at_fault": at_fault,
            "can_edit_profile_at_fault": at_fault is not None
            and at_fault.profile.editable_by(request.user),
            "proxy": replay.proxy_info(),
            "rates": [0.1, 0.25, 0.5, 1, 1.5, 2],
            "compare_events": Event.objects.filter(
                replay__team=replay.team, replay__state=Replay.DONE
            )
            .select_related("replay")
            .order_by("-replay__created_at", "frame")[:300],
        },
    )


def _profile_at_fault_message(replay: Replay) -> str:
    """Why a run with the profile version that failed the replay is refused, and what to do."""
    return (
        f"The game profile {replay.profile_at_fault} failed this replay "
        f"({replay.failure_text}): processing again with it would fail the same way. "
        "Edit the profile (its next version can be processed) or choose another profile."
    )


@login_required
@require_POST
def replay_set_profile(request: HttpRequest, pk: int) -> HttpResponse:
    replay = _replay_for(request, pk)
    chosen = request.POST.get("profile") or None
    profile = None
    if chosen:
        profile_id = id_or_none(chosen)
        profile = GameProfile.objects.usable_by_team(replay.team).filter(pk=profile_id).first()
        if profile is None:
            messages.error(request, "Unknown game profile.")
            return redirect(replay)
    if not services.replay_run_again(replay, profile=profile):
        if replay.unusable:
            messages.error(request, f"This file cannot be used ({replay.failure_text}).")
        elif replay.fails_again_with(profile):
            messages.error(request, _profile_at_fault_message(replay))
        else:
            messages.info(request, "Wait for the current run to finish first.")
        return redirect(replay)
    messages.success(request, f"Detecting with {profile or 'no profile'}.")
    return redirect(replay)


@login_required
@require_GET
def replay_frames(request: HttpRequest, pk: int) -> JsonResponse:
    """The frame index: frame N is shown at ``times[N]`` s; the player's clock adds start_s.

    With ``?compact=1`` (the review page) the index comes as runs (``replays.frameindex``) and
    says where the review proxy is and when its frame 0 shows.
    """
    replay = _replay_for(request, pk)
    if not storage.exists(replay.frame_index_path):
        raise Http404("not indexed yet")
    if request.GET.get("compact"):
        data = frameindex.encode(replay.frame_times(), replay.start_s)
        proxy = replay.proxy_info()
        data["proxy"] = (
            {"url": reverse("replays:review-video", args=[replay.pk]), "start_s": proxy["start_s"]}
            if proxy
            else None
        )
        return JsonResponse(data)
    times = [round(t, 6) for t in replay.frame_times().tolist()]
    return JsonResponse({"times": times, "start_s": replay.start_s})


@login_required
@require_GET
def replay_review_video(request: HttpRequest, pk: int) -> HttpResponse:
    """The review proxy (H.264, a key frame per frame), ranged like the original."""
    replay = _replay_for(request, pk)
    if replay.proxy_info() is None:
        raise Http404("no review proxy")
    return storage.serve(request, replay.proxy_path, "video/mp4")


@login_required
@require_GET
def event_clip(request: HttpRequest, pk: int, event_id: int, what: str) -> HttpResponse:
    """The clip's thumbnail, or its video (ranged), cut now if this is its first open.

    The first open waits for the cut (seconds; the pages say "cutting the clip…" meanwhile).
    A cut that fails answers 503 (410: the replay's video is gone) with the reason as text.
    """
    replay = _replay_for(request, pk)
    if what not in ("mp4", "jpg") or event_id > MAX_ID:  # past any id: OverflowError below
        raise Http404("no such clip file")
    clips = Clip.objects.select_related("event").filter(event__replay=replay, event_id=event_id)
    if not clips.exists() and replay.events.filter(pk=event_id).exists():
        # An event a coach added or moved a moment ago: its clip record is made by a task
        # queued then; make it now rather than answer 404 to the Clip button on its new row.
        try:
            replay_cut_missing_clips(replay_id=replay.pk)
        except IntegrityError:  # that task made it meanwhile
            pass
    clip = get_object_or_404(clips)
    if what == "jpg":
        return storage.serve(request, clip.thumbnail_path, "image/jpeg")
    try:
        path = clip_file(clip)
    except ClipUnavailable as exc:
        response = HttpResponse(
            str(exc), status=exc.status, content_type="text/plain; charset=utf-8"
        )
        response["Cache-Control"] = "no-store"  # the next open tries again
        return response
    return storage.serve(request, path, "video/mp4")


@login_required
def team_page(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(Team.objects.visible_to(request.user), slug=slug)
    if request.method == "POST":
        return _team_settings(request, team)
    return _team_page(request, team)


def _team_page(
    request: HttpRequest, team: Team, typed: dict | None = None, status: int = 200
) -> HttpResponse:
    trends = team_trends(team)
    return render(
        request,
        "replays/team.html",
        {
            "team": team,
            "rows": trends["rows"],
            "games": trends["games"],
            "kd_chart": kd_trend_figure(trends["rows"]),
            "deaths_chart": death_timing_figure(trends["death_fractions"]),
            "replays": team.replays.select_related("uploader")[:50],
            "is_coach": team.is_coached_by(request.user),
            # The clip settings as typed, when they were refused (else the saved ones).
            "clip_before": typed["before"] if typed else team.clip_before_s,
            "clip_after": typed["after"] if typed else team.clip_after_s,
        },
        status=status,
    )


def _team_settings(request: HttpRequest, team: Team) -> HttpResponse:
    """A coach sets the clip window: seconds before and after each event (0–60)."""
    if not team.is_coached_by(request.user):
        raise Refused("Only the team's coaches change its settings.")
    typed = {
        "before": request.POST.get("clip_before_s", "")[:20],
        "after": request.POST.get("clip_after_s", "")[:20],
    }
    try:
        before, after = float(typed["before"]), float(typed["after"])
    except ValueError:
        error = "Clip lengths must be numbers of seconds."
    else:
        if not (0 <= before <= 60 and 0 <= after <= 60):
            error = "Clip lengths must be between 0 and 60 seconds."
        elif before + after == 0:
            error = "A clip needs some length: before and after cannot both be 0 seconds."
        else:
            error = ""
    if error:  # the page again, with what was typed, so only the wrong value needs changing
        messages.error(request, f"{error} The clip settings were not changed.")
        return _team_page(request, team, typed, status=400)
    team.clip_before_s, team.clip_after_s = before, after
    team.save(update_fields=["clip_before_s", "clip_after_s"])
    messages.success(request, f"New clips run {before:g} s before and {after:g} s after.")
    return redirect("replays:team", team.slug)


@login_required
@require_GET
def replay_status(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(_replay_for(request, pk).status_dict())


@login_required
@require_GET
def replay_video(request: HttpRequest, pk: int) -> HttpResponse:
    replay = _replay_for(request, pk)
    return storage.serve(request, replay.path, CONTAINER_TYPES.get(replay.container))


@login_required
@require_GET
def replay_thumbnail(request: HttpRequest, pk: int) -> HttpResponse:
    replay = _replay_for(request, pk)
    if not storage.exists(replay.thumbnail_path):
        raise Http404("no thumbnail yet")
    return storage.serve(request, replay.thumbnail_path, "image/jpeg")


@login_required
@require_POST
def replay_reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    replay = _replay_for(request, pk)
    if services.replay_run_again(replay):
        messages.success(request, "Processing again.")
    elif replay.unusable:
        messages.error(
            request, f"This file cannot be used ({replay.failure_text}): upload another."
        )
    elif replay.fails_again_with(replay.profile):
        messages.error(request, _profile_at_fault_message(replay))
    else:
        messages.info(request, "This replay is already being processed.")
    return redirect(replay)


@login_required
def upload_page(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.visible_to(request.user)
    profiles = GameProfile.objects.visible_to(request.user)
    return render(
        request,
        "replays/upload.html",
        {
            "teams": teams,
            "profiles": profiles,
            "accept": ".mp4,.mkv,.webm,.mov,video/*",
        },
    )


def _error(exc: services.UploadError) -> JsonResponse:
    return JsonResponse({"error": str(exc), **exc.extra}, status=exc.status)


@login_required
@require_POST
def upload_create(request: HttpRequest) -> JsonResponse:
    try:
        data = json_body(request)
        size = data.get("size")
    except (ValueError, TypeError, AttributeError):  # not JSON, not an object
        return JsonResponse({"error": "send JSON with team, filename and size"}, status=400)
    try:
        size = services.upload_size(size)
    except services.UploadError as exc:
        return _error(exc)
    team = Team.objects.visible_to(request.user).filter(pk=id_or_none(data.get("team"))).first()
    if team is None:
        return JsonResponse({"error": "choose one of your teams"}, status=400)
    profile = None
    if data.get("profile"):
        profile_id = id_or_none(data["profile"])
        profile = GameProfile.objects.usable_by_team(team).filter(pk=profile_id).first()
        if profile is None:
            return JsonResponse({"error": "unknown game profile"}, status=400)
    try:
        upload = services.upload_start(
            team=team,
            uploader=request.user,
            filename=str(data.get("filename", "")),
            size_bytes=size,
            profile=profile,
        )
    except services.UploadError as exc:
        return _error(exc)
    return JsonResponse(_upload_state(upload), status=201)


def _upload_state(upload: Upload) -> dict:
    from django.conf import settings

    return {
        "id": str(upload.id),
        "offset": upload.received_bytes,
        "size": upload.size_bytes,
        "state": upload.state,
        "chunk_bytes": settings.FILMROOM_UPLOAD_CHUNK_BYTES,
        "replay_url": upload.replay.get_absolute_url() if upload.replay else None,
        # The title of the replay these bytes already were before this upload began, if any.
        "already_uploaded_as": (
            upload.replay.title
            if upload.replay and upload.replay.created_at < upload.created_at
            else None
        ),
    }


def _body_pieces(request: HttpRequest, block: int = 256 * 1024):
    while piece := request.read(block):
        yield piece


@login_required
@require_http_methods(["GET", "PUT", "DELETE"])
def upload_chunk(request: HttpRequest, upload_id: str) -> JsonResponse:
    upload = get_object_or_404(Upload, pk=upload_id, uploader=request.user)
    if request.method == "DELETE":  # the uploader's Cancel: allowed even after leaving the team
        try:
            services.upload_cancel(upload=upload)
        except services.UploadError as exc:
            return _error(exc)
        return JsonResponse(_upload_state(upload))
    try:  # removed from the team since the upload began: its bytes may not land there
        services.upload_check_allowed(upload)
    except services.UploadError as exc:
        return _error(exc)
    if request.method == "GET":
        return JsonResponse(_upload_state(upload))
    try:
        offset = int(request.headers.get("Upload-Offset", ""))
    except ValueError:
        return JsonResponse({"error": "the Upload-Offset header is missing"}, status=400)
    try:
        finished = services.upload_append(
            upload=upload, offset=offset, chunks=_body_pieces(request)
        )
    except services.UploadError as exc:
        return _error(exc)
    upload.refresh_from_db()
    state = _upload_state(upload)
    if finished is not None and state["already_uploaded_as"] is not None:
        # Same bytes, one replay: the page it opens says why it is not a new one.
        messages.info(
            request,
            f"These bytes were already uploaded as “{finished.title}”"
            f" ({finished.original_name}), so this is that replay; “{upload.filename}”"
            " was not added a second time.",
        )
    return JsonResponse(state)
