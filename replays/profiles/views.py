"""Game-profile pages and the in-browser profile editor.

Every lookup goes through ``visible_to``: another team's profile or replay is a 404. Built-in
profiles (no team) are readable by every logged-in user and editable by staff only.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from coach.models import Team
from coach.params import id_or_none, json_body
from coach.refusals import Refused
from detectors import ProfileError

from ..corrections.selectors import profile_accuracy
from ..models import GameProfile, ProfileVersion, Replay
from ..verifiers.views import verifier_panel
from . import services
from .discovery import replay_discover

MAX_IMPORT_BYTES = 50 * 1024 * 1024


def _profile_for(request: HttpRequest, pk: int) -> GameProfile:
    return get_object_or_404(GameProfile.objects.visible_to(request.user), pk=pk)


def _usable_replays(user, team: Team | None) -> QuerySet[Replay]:
    """Processed replays the user may cut references from or preview on."""
    replays = Replay.objects.visible_to(user).filter(state=Replay.DONE, frame_count__gt=0)
    return replays.filter(team=team) if team is not None else replays


def _json_body(request: HttpRequest) -> dict:
    try:
        data = json_body(request)
    except ValueError as exc:
        raise ProfileError("send the draft as JSON") from exc
    if not isinstance(data, dict):
        raise ProfileError("send the draft as a JSON object")
    return data


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@login_required
@require_GET
def profile_list(request: HttpRequest) -> HttpResponse:
    visible = Replay.objects.visible_to(request.user)
    rows = []
    for profile in GameProfile.objects.visible_to(request.user).select_related("team"):
        mine = set(visible.filter(profile=profile).values_list("pk", flat=True))
        stale = [r for r in services.replays_needing_detection(profile) if r.pk in mine]
        rows.append(
            {
                "profile": profile,
                "latest": profile.latest,
                "replays": len(mine),
                "stale": len(stale),
                "editable": profile.editable_by(request.user),
            }
        )
    return render(request, "replays/profiles/list.html", {"rows": rows})


@login_required
@require_GET
def profile_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _profile_for(request, pk)
    latest = profile.latest
    replays = Replay.objects.visible_to(request.user).filter(profile=profile)
    stale = {r.pk for r in services.replays_needing_detection(profile)}
    indicators = []
    if latest is not None:
        shares = services.own_pixel_shares(latest)
        refused = services.base_refusals(latest)  # saved before a check Save makes now
        for kind, items in (latest.spec.get("events") or {}).items():
            for i, item in enumerate(items):
                own = shares.get((kind, i))
                pct = None if own is None else round(100 * own)
                redraw = refused.get((kind, item["reference"], tuple(item["box"])))
                indicators.append(
                    {
                        "kind": kind,
                        **item,
                        "own_pct": pct,
                        "alone": len(items) == 1,
                        "redraw": redraw,
                    }
                )
    context = {
        "profile": profile,
        "latest": latest,
        "versions": profile.versions.select_related("created_by"),
        "spec_json": json.dumps(latest.spec, indent=2) if latest else "",
        "indicators": indicators,
        "replays": replays.select_related("detected_with"),
        "stale": stale,
        "stale_count": sum(1 for r in replays if r.pk in stale),
        "editable": profile.editable_by(request.user),
        "accuracy": profile_accuracy(profile, request.user),
        "verifier": verifier_panel(profile),
    }
    return render(request, "replays/profiles/detail.html", context)


@login_required
@require_GET
def profile_reference(request: HttpRequest, pk: int, number: int, name: str) -> HttpResponse:
    profile = _profile_for(request, pk)
    version = get_object_or_404(ProfileVersion, profile=profile, number=number)
    # Only files the version's JSON names: never a path the user made up.
    if name not in services.profile_reference_names(version) or not (version.path / name).is_file():
        raise Http404("no such reference")
    content_type = "image/png" if name.lower().endswith(".png") else "image/jpeg"
    return HttpResponse((version.path / name).read_bytes(), content_type=content_type)


@login_required
@require_POST
def profile_redetect(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _profile_for(request, pk)
    count = services.profile_redetect(profile, Replay.objects.visible_to(request.user))
    messages.success(request, f"Re-detecting {count} replay{'s' if count != 1 else ''}.")
    return redirect("profiles:detail", pk=profile.pk)


def _version_for(request: HttpRequest, profile: GameProfile) -> ProfileVersion:
    number = id_or_none(request.GET.get("version"))
    versions = profile.versions.all()
    version = versions.filter(number=number).first() if number else versions.first()
    if version is None:
        raise Http404("this profile has no such version")
    return version


@login_required
@require_GET
def profile_export_json(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _profile_for(request, pk)
    version = _version_for(request, profile)
    response = HttpResponse(json.dumps(version.spec, indent=2), content_type="application/json")
    filename = f"{profile.name}-v{version.number}.json"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def profile_export_zip(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _profile_for(request, pk)
    version = _version_for(request, profile)
    response = HttpResponse(services.profile_export_zip(version), content_type="application/zip")
    name = f"{profile.name}-v{version.number}.zip"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
def profile_import_page(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.visible_to(request.user)
    error, form = "", {"team": "", "name": ""}
    if request.method == "POST":
        form = {"team": request.POST.get("team", ""), "name": request.POST.get("name", "")}
        upload = request.FILES.get("file")
        team = teams.filter(pk=form["team"]).first() if form["team"].isdigit() else None
        if team is None:
            error = "Choose one of your teams."
        elif upload is None:
            error = "Choose a profile file (.json, or .zip with its reference images)."
        elif upload.size > MAX_IMPORT_BYTES:
            error = "The file is larger than 50 MB."
        else:
            try:
                version, created = services.profile_import(  # atomic: no empty profile left
                    team=team,
                    name=form["name"],
                    upload=upload,  # a file: a zip is unpacked member by member
                    filename=upload.name,
                    user=request.user,
                )
            except ProfileError as exc:
                error = f"Cannot import {upload.name}: {exc}"
            else:
                note = f"Imported as version {version.number}." if created else "No changes."
                messages.success(request, note)
                return redirect("profiles:detail", pk=version.profile_id)
    return render(
        request,
        "replays/profiles/import.html",
        {"teams": teams, "error": error, "form": form},
        status=400 if error else 200,
    )


@login_required
@require_GET
def frame_png(request: HttpRequest, replay_id: int, number: int) -> HttpResponse:
    replay = get_object_or_404(Replay.objects.visible_to(request.user), pk=replay_id)
    try:
        png = services.replay_frame_png(replay, number)
    except ProfileError as exc:
        raise Http404(str(exc)) from exc
    return HttpResponse(png, content_type="image/png")


def _editor_profile(request: HttpRequest, pk: int | None) -> GameProfile | None:
    """The profile being edited (None for a new one): 404 if not visible, 403 if read-only."""
    if pk is None:
        return None
    profile = _profile_for(request, pk)
    if not profile.editable_by(request.user):
        raise Refused("built-in profiles can only be changed by staff")
    return profile


@login_required
@require_GET
def profile_editor(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    profile = _editor_profile(request, pk)
    teams = Team.objects.visible_to(request.user)
    replays = _usable_replays(request.user, profile.team if profile else None)
    replays = replays.select_related("team")
    chosen = (
        replays.filter(pk=id_or_none(request.GET.get("replay"))).first()
        or (replays.filter(profile=profile).first() if profile else None)  # one that uses it
        or replays.first()
    )
    latest = profile.latest if profile else None
    kept = []
    if latest is not None:
        refused = services.base_refusals(latest)  # saved before a check Save makes now
        for kind, items in latest.spec.get("events", {}).items():
            for item in items:
                url = reverse(
                    "profiles:reference", args=[profile.pk, latest.number, item["reference"]]
                )
                redraw = refused.get((kind, item["reference"], tuple(item["box"])))
                kept.append({"kind": kind, **item, "image_url": url, "redraw": redraw})
    data = {
        "profile": profile.pk if profile else None,
        "replay": _replay_data(chosen) if chosen else None,
        "indicators": kept,
        "preview_url": _editor_url("preview", profile),
        "save_url": _editor_url("save", profile),
        "discover_url": reverse("profiles:discover", args=[chosen.pk]) if chosen else None,
    }
    context = {
        "profile": profile,
        "teams": teams,
        "replays": replays,
        "chosen": chosen,
        "data": data,
        "redraw": [(i, ind) for i, ind in enumerate(kept, 1) if ind["redraw"]],
    }
    return render(request, "replays/profiles/editor.html", context)


def _editor_url(action: str, profile: GameProfile | None) -> str:
    if profile is None:
        return reverse(f"profiles:new-{action}")
    return reverse(f"profiles:{action}", args=[profile.pk])


def _replay_data(replay: Replay) -> dict:
    return {
        "id": replay.pk,
        "team": replay.team_id,
        "width": replay.width,
        "height": replay.height,
        "frames_url": reverse("replays:frames", args=[replay.pk]),
        "video_url": reverse("replays:video", args=[replay.pk]),
        # The page appends "<n>.png" (see profiles/urls.py: frame/<replay>/<n>.png).
        "frame_url": reverse("profiles:frame", args=[replay.pk, 0]).removesuffix("0.png"),
    }


def _draft_scope(request: HttpRequest, pk: int | None) -> tuple[GameProfile | None, Team, dict]:
    """The profile being edited, its team and the draft (ownership is checked before parsing)."""
    profile = _editor_profile(request, pk)
    data = _json_body(request)
    if profile is not None:
        return profile, profile.team, data
    team = Team.objects.visible_to(request.user).filter(pk=id_or_none(data.get("team"))).first()
    if team is None:
        raise ProfileError("choose one of your teams")
    return None, team, data


def _json_view(handler):
    """Turns the draft endpoints' errors into JSON: 404 for another team's things, 403, 400."""

    def view(request: HttpRequest, pk: int | None = None) -> JsonResponse:
        try:
            return handler(request, pk)
        except Http404:
            return _error("no such profile or replay", 404)
        except PermissionDenied as exc:  # a Refused's message, else no text meant for users
            return _error(str(exc) if isinstance(exc, Refused) else "not allowed", 403)
        except ProfileError as exc:
            return _error(str(exc))

    view.__name__ = view.__qualname__ = handler.__name__
    view.__doc__ = handler.__doc__
    return login_required(require_POST(view))


def _hide_other_teams_replays(user, data: dict) -> None:
    """404 when the draft names a replay the user cannot see (as everywhere else), not 400.

    A replay of one of the user's own teams that does not fit the draft stays a 400 with a
    reason; one of another team must not be told apart from one that does not exist.
    """
    indicators = data.get("indicators")
    named = [data.get("replay")]
    if isinstance(indicators, list):
        named += [item.get("replay") for item in indicators if isinstance(item, dict)]
    ids = {i for i in map(id_or_none, named) if i is not None}
    if not ids:
        return
    visible = set(Replay.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    if ids - visible:
        raise Http404("no such replay")


@_json_view
def editor_preview(request: HttpRequest, pk: int | None) -> JsonResponse:
    """Runs the draft on the chosen replay and returns the events it finds (nothing is saved)."""
    profile, team, data = _draft_scope(request, pk)
    _hide_other_teams_replays(request.user, data)
    replays = _usable_replays(request.user, team)
    replay = replays.filter(pk=id_or_none(data.get("replay"))).first()
    if replay is None:
        raise ProfileError("choose a processed replay of this team to try the profile on")
    base = profile.latest if profile else None
    spec, files = services.profile_draft_spec(
        indicators=data.get("indicators"),
        replays=replays,
        base=base,
        name=profile.name if profile else "draft",
    )
    return JsonResponse(services.profile_preview(spec=spec, files=files, base=base, replay=replay))


@_json_view
def editor_save(request: HttpRequest, pk: int | None) -> JsonResponse:
    """Saves the draft as the next version and, if asked, re-detects the replays using it."""
    profile, team, data = _draft_scope(request, pk)
    _hide_other_teams_replays(request.user, data)
    version, created = services.profile_save_draft(
        profile=profile,
        team=team,
        name=str(data.get("name") or ""),
        indicators=data.get("indicators"),
        replays=_usable_replays(request.user, team),
        user=request.user,
    )
    enqueued = 0
    if created and data.get("redetect", True):
        enqueued = services.profile_redetect(
            version.profile, Replay.objects.visible_to(request.user)
        )
    note = f"Saved version {version.number}." if created else "No changes: nothing saved."
    if enqueued:
        note += f" Re-detecting {enqueued} replay{'s' if enqueued != 1 else ''}."
    messages.success(request, note)
    return JsonResponse(
        {
            "url": reverse("profiles:detail", args=[version.profile_id]),
            "version": version.number,
            "created": created,
            "enqueued": enqueued,
        }
    )


@login_required
@require_POST
def editor_discover(request: HttpRequest, replay_id: int) -> JsonResponse:
    """Proposes an indicator box from moments the user marked on one of their replays."""
    replay = Replay.objects.visible_to(request.user).filter(pk=replay_id).first()
    if replay is None:
        return _error("no such replay", 404)
    try:
        data = _json_body(request)
        if replay.state != Replay.DONE:
            raise ProfileError("the replay is not processed yet: wait for its frame index")
        return JsonResponse(replay_discover(replay, data.get("frames")))
    except ProfileError as exc:
        return _error(str(exc))
