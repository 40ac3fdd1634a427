"""Event corrections over JSON: confirm, reject, move, add; and the replay's labels.

Another team's replay or event is a 404; a player of the team gets a 403 with a reason; a bad
frame or kind is a 400 with a message, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from coach.params import json_body

from ..models import Event, Replay
from . import services
from .services import CorrectionError


class _Missing(Exception):
    """A replay or event that is not there for this user: a JSON 404 (an API, not a page)."""


def _replay_for(request: HttpRequest, pk: int) -> Replay:
    replay = Replay.objects.visible_to(request.user).filter(pk=pk).first()
    if replay is None:
        raise _Missing("no such replay")
    return replay


def _payload(request: HttpRequest) -> dict:
    """The request's fields: a JSON object, or a form."""
    if request.content_type == "application/json":
        try:
            data = json_body(request)
        except ValueError:
            raise CorrectionError("send a JSON object") from None
        if not isinstance(data, dict):
            raise CorrectionError("send a JSON object")
        return data
    return request.POST.dict()


def _correct(
    request: HttpRequest, pk: int, action: Callable[[Replay, dict], Event | None]
) -> JsonResponse:
    try:
        replay = _replay_for(request, pk)
        if not services.can_correct(request.user, replay):
            return JsonResponse({"error": "only the team's coaches correct events"}, status=403)
        event = action(replay, _payload(request))
    except _Missing as exc:
        return JsonResponse({"error": str(exc)}, status=404)
    except CorrectionError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"event": event.to_dict() if event else None})


def _event(replay: Replay, event_id: int) -> Event:
    event = Event.objects.select_related("replay").filter(replay=replay, pk=event_id).first()
    if event is None:
        raise _Missing("no such event")
    return event


@login_required
@require_POST
def event_confirm(request: HttpRequest, pk: int, event_id: int) -> JsonResponse:
    return _correct(
        request,
        pk,
        lambda replay, _: services.event_confirm(event=_event(replay, event_id), user=request.user),
    )


@login_required
@require_POST
def event_reject(request: HttpRequest, pk: int, event_id: int) -> JsonResponse:
    return _correct(
        request,
        pk,
        lambda replay, _: services.event_reject(event=_event(replay, event_id), user=request.user),
    )


@login_required
@require_POST
def event_move(request: HttpRequest, pk: int, event_id: int) -> JsonResponse:
    return _correct(
        request,
        pk,
        lambda replay, data: services.event_move(
            event=_event(replay, event_id), frame=data.get("frame"), user=request.user
        ),
    )


@login_required
@require_POST
def event_add(request: HttpRequest, pk: int) -> JsonResponse:
    return _correct(
        request,
        pk,
        lambda replay, data: services.event_add(
            replay=replay, kind=data.get("kind"), frame=data.get("frame"), user=request.user
        ),
    )


@login_required
@require_GET
def replay_labels(request: HttpRequest, pk: int) -> JsonResponse:
    """Confirmed, moved and added events, in the shape ``detectors evaluate --labels`` reads."""
    try:
        replay = _replay_for(request, pk)
    except _Missing as exc:
        return JsonResponse({"error": str(exc)}, status=404)
    response = JsonResponse(services.labels_of(replay))
    response["Content-Disposition"] = content_disposition_header(
        False, f"replay-{replay.pk}-labels.json"
    )
    return response
