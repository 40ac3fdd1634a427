"""The notes API of the review page and the exports. Lookups go through ``visible_to``: another
team's replay or note answers 404; a change the user may not make answers 403 with a message."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coach.media import ranged_file_response
from coach.models import Note
from coach.params import json_body
from replays.models import Replay

from . import exports, services
from .selectors import note_dict, note_threads


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _body(request: HttpRequest) -> dict:
    try:
        data = json_body(request)
    except ValueError as exc:
        raise services.NoteError("send a JSON object") from exc
    if not isinstance(data, dict):
        raise services.NoteError("send a JSON object")
    return data


def _note_for(request: HttpRequest, pk: int) -> Note | None:
    return (
        Note.objects.visible_to(request.user).select_related("replay__team").filter(pk=pk).first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def replay_notes(request: HttpRequest, replay_id: int) -> JsonResponse:
    """GET: the replay's threads (filters: author, tag, unresolved=1). POST: a new note."""
    replay = Replay.objects.visible_to(request.user).filter(pk=replay_id).first()
    if replay is None:
        return _error("no such replay", 404)
    if request.method == "GET":
        return JsonResponse(
            note_threads(
                replay,
                request.user,
                author=request.GET.get("author", ""),
                tag=request.GET.get("tag", ""),
                unresolved=request.GET.get("unresolved") in ("1", "true", "on"),
            )
        )
    try:
        data = _body(request)
        note = services.note_create(
            replay=replay,
            author=request.user,
            frame=data.get("frame"),
            frame_end=data.get("frame_end"),
            text=data.get("text", ""),
            shapes=data.get("shapes"),
            tags=data.get("tags"),
        )
    except services.NoteError as exc:
        return _error(str(exc), exc.status)
    return JsonResponse(note_dict(note, request.user) | {"replies": []}, status=201)


@login_required
@require_http_methods(["GET", "PATCH", "DELETE"])
def note_detail(request: HttpRequest, pk: int) -> JsonResponse:
    """GET one note; PATCH its text, tags, frames or shapes; DELETE it (author or coach)."""
    note = _note_for(request, pk)
    if note is None:
        return _error("no such note", 404)
    try:
        if request.method == "PATCH":
            note = services.note_update(note=note, user=request.user, changes=_body(request))
        elif request.method == "DELETE":
            services.note_delete(note=note, user=request.user)
            transaction.on_commit(lambda: exports.exports_remove(pk))
            return JsonResponse({"deleted": pk})
    except services.NoteError as exc:
        return _error(str(exc), exc.status)
    return JsonResponse(note_dict(note, request.user))


@login_required
@require_POST
def note_replies(request: HttpRequest, pk: int) -> JsonResponse:
    """Adds a reply ({"text"}) to the note's thread."""
    note = _note_for(request, pk)
    if note is None:
        return _error("no such note", 404)
    try:
        reply = services.note_reply(
            parent=note, author=request.user, text=_body(request).get("text")
        )
    except services.NoteError as exc:
        return _error(str(exc), exc.status)
    return JsonResponse(note_dict(reply, request.user), status=201)


@login_required
@require_POST
def note_resolve(request: HttpRequest, pk: int) -> JsonResponse:
    """Resolves ({"resolved": true}) or reopens ({"resolved": false}) the note's thread."""
    note = _note_for(request, pk)
    if note is None:
        return _error("no such note", 404)
    try:
        root = services.note_set_resolved(
            note=note, user=request.user, resolved=_body(request).get("resolved", True)
        )
    except services.NoteError as exc:
        return _error(str(exc), exc.status)
    return JsonResponse(note_dict(root, request.user))


def _seconds(value: str | None, default: float) -> float:
    if value in (None, ""):
        return default
    return float(value)


@login_required
@require_GET
def note_export(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """``export.png`` (``?frame=N``, the note's first by default) or ``export.mp4``
    (``?before=S&after=S``, 2 s each by default), with the note's drawings burned in."""
    note = _note_for(request, pk)
    if note is None:
        return _error("no such note", 404)
    if note.parent_id:
        return _error("a reply has no drawing to export: export its note", 404)
    shown = note.frame  # the frame the file is named by
    try:
        if what == "png":
            frame = request.GET.get("frame")
            shown = int(frame) if frame not in (None, "") else note.frame
            png = exports.note_png(note, shown)
            response = HttpResponse(png, content_type="image/png")
        elif what == "mp4":
            before = _seconds(request.GET.get("before"), 2.0)
            after = _seconds(request.GET.get("after"), 2.0)
            response = ranged_file_response(
                request, exports.note_mp4(note, before, after), "video/mp4"
            )
        else:
            return _error("exports are export.png or export.mp4", 404)
    except ValueError:
        return _error("frame, before and after must be numbers")
    except exports.ExportError as exc:
        return _error(str(exc))
    response["Content-Disposition"] = content_disposition_header(
        False, f"replay{note.replay_id}-note{note.pk}-frame{shown}.{what}"
    )
    return response
