"""Corrections of a replay's events, and merging a new detection run with them.

Who may correct: the team's coaches and staff (``Team.is_coached_by``); players see the
corrections but cannot make them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from coach import storage
from coach.queue import enqueue
from detectors import DETECTOR_VERSION
from detectors import Event as DetectedEvent

from ..models import Clip, Event, ProfileVersion, Replay

# A re-detected event within this many seconds of a corrected one (same kind) is that event.
MATCH_TOLERANCE_S = 0.5


class CorrectionError(Exception):
    """A correction that cannot be made; the message says why, for the person who asked."""


def can_correct(user, replay: Replay) -> bool:
    """Coaches of the replay's team and staff correct events; players do not."""
    return replay.team.is_coached_by(user)


def _reviewed(event: Event, review: str, user) -> None:
    event.review, event.reviewed_by, event.reviewed_at = review, user, timezone.now()


def _frame_time(replay: Replay, frame: object) -> tuple[int, float]:
    """Checks a frame number a person sent; returns it with the time it is shown at."""
    if frame is None:
        raise CorrectionError("say which frame: a whole number")
    try:
        if isinstance(frame, bool) or isinstance(frame, float):
            raise ValueError
        number = int(str(frame))
    except (TypeError, ValueError):
        shown = str(frame)[:20]
        raise CorrectionError(f"the frame must be a whole number, not {shown!r}") from None
    if reason := replay.no_frames_reason():
        raise CorrectionError(reason)
    times = replay.frame_times()
    if not 0 <= number < len(times):
        raise CorrectionError(f"frame {number} is outside the replay (0 to {len(times) - 1})")
    return number, float(times[number])


def _drop_clip(event: Event) -> None:
    """Removes a clip that no longer shows the event (after a move); the clip task makes a new
    record, and the clip is cut when next opened."""
    clip = Clip.objects.filter(event=event).first()
    if clip is None:
        return
    others = Clip.objects.filter(file=clip.file).exclude(pk=clip.pk).exists()
    if not others:
        storage.remove(clip.path, clip.thumbnail_path)
    clip.delete()


def _cut_clips_later(replay: Replay) -> None:
    transaction.on_commit(
        lambda: enqueue(
            "replays.tasks.cut_clips", replay.pk, name=f"clips-{replay.pk}", group="replays"
        )
    )


@transaction.atomic
def event_confirm(*, event: Event, user) -> Event:
    """Marks the event as right where it is (a detected one; an added one stays "added").

    Confirming a rejected event takes the rejection back.
    """
    if event.review != Event.ADDED:
        _reviewed(event, Event.MOVED if _was_moved(event) else Event.CONFIRMED, user)
        event.save(update_fields=["review", "reviewed_by", "reviewed_at"])
    return event


def _was_moved(event: Event) -> bool:
    return event.detected_frame is not None and event.detected_frame != event.frame


@transaction.atomic
def event_reject(*, event: Event, user) -> Event | None:
    """Says a detected event did not happen; it stays rejected through re-detections.

    An event a person added is removed instead (it was only ever their label).

    Returns:
        The rejected event, or None when an added event was removed.
    """
    if event.source == Event.COACH:
        _drop_clip(event)
        event.delete()
        return None
    _reviewed(event, Event.REJECTED, user)
    event.save(update_fields=["review", "reviewed_by", "reviewed_at"])
    return event


@transaction.atomic
def event_move(*, event: Event, frame: object, user) -> Event:
    """Moves the event to another frame of its replay (e.g. the one on screen).

    Raises:
        CorrectionError: the frame is not a frame of the replay, or the same kind of event is
            already there.
    """
    number, time_s = _frame_time(event.replay, frame)
    if number == event.frame:
        return event_confirm(event=event, user=user)
    _refuse_a_second(event.replay, event.kind, number, moving=event)
    event.frame, event.time_s = number, time_s
    review = Event.ADDED if event.source == Event.COACH else Event.MOVED
    if review == Event.MOVED and number == event.detected_frame:
        review = Event.CONFIRMED  # moved back to where the detector had it
    _reviewed(event, review, user)
    event.save(update_fields=["frame", "time_s", "review", "reviewed_by", "reviewed_at"])
    _drop_clip(event)
    _cut_clips_later(event.replay)
    return event


def _refuse_a_second(replay: Replay, kind: str, number: int, moving: Event | None = None) -> None:
    """One event of a kind per frame (a rejected one does not count): a second would be counted
    twice and cut as a second clip of the same moment."""
    same = replay.events.filter(kind=kind, frame=number).exclude(review=Event.REJECTED)
    if moving is not None:
        same = same.exclude(pk=moving.pk)
    if same.exists():
        raise CorrectionError(f"there is already a {kind} at frame {number}")


@transaction.atomic
def event_add(*, replay: Replay, kind: object, frame: object, user) -> Event:
    """Adds an event the detector missed, at a frame of the replay.

    Raises:
        CorrectionError: unknown kind, a frame outside the replay, or the same event already there.
    """
    kinds = [k for k, _ in Event.KINDS]
    if kind not in kinds:
        raise CorrectionError(f"the kind must be one of {', '.join(kinds)}, got {kind!r}")
    number, time_s = _frame_time(replay, frame)
    _refuse_a_second(replay, kind, number)
    event = Event(
        replay=replay,
        kind=kind,
        frame=number,
        time_s=time_s,
        confidence=1.0,
        source=Event.COACH,
        created_by=user,
        found=False,
    )
    _reviewed(event, Event.ADDED, user)
    event.save()
    _cut_clips_later(replay)
    return event


def replay_cut_missing_clips(*, replay_id: int) -> None:
    """Makes the clip records and thumbnails of events that have none (after a move or an add),
    unless a job is running; each clip is cut when first opened (``replays.clips``).

    A running job makes them itself at its end.
    """
    from ..detection import replay_cut_clips

    replay = Replay.objects.filter(pk=replay_id, state=Replay.DONE).first()
    if replay is not None:
        replay_cut_clips(replay, quiet=True)


# Re-detection -----------------------------------------------------------------------------------


def _anchors(event: Event, times: np.ndarray) -> list[float]:
    """The times a re-detected event may be found at to be this one: where it is, where found."""
    frames = {event.frame, event.detected_frame} - {None}
    return [float(times[min(f, len(times) - 1)]) for f in frames]


def events_replace_detected(
    *, replay: Replay, version: ProfileVersion, found: Sequence[DetectedEvent]
) -> list[Event]:
    """Stores a detection run's events: unreviewed detected events are replaced; corrections stay.

    A found event of the same kind within ``MATCH_TOLERANCE_S`` of a corrected one (where it is
    now, or where a run found it before) is that event: it stays rejected, moved, confirmed or
    added, and is marked as found by this run. Closest pairs are matched first, each once.
    Corrected events this run did not find stay, marked ``found=False``.

    An unreviewed event the run finds again (same kind, within ``MATCH_TOLERANCE_S``) keeps its
    row, updated to the run's frame and confidence, so the playlists that hold it and the marks
    of those who reviewed it stay (a new row would drop both, by cascade); its clip goes when its
    frame moved. Unreviewed events the run does not find are deleted.

    Returns:
        The detected events that were replaced or moved (their clips may need removing).
    """
    times = replay.frame_times()
    with transaction.atomic():
        previous = list(
            replay.events.filter(source=Event.AUTO, review=Event.UNREVIEWED).select_related("clip")
        )
        kept = list(replay.events.filter(Q(source=Event.COACH) | ~Q(review=Event.UNREVIEWED)))
        pairs = sorted(
            (min(abs(e.time_s - t) for t in _anchors(k, times)), i, j)
            for i, e in enumerate(found)
            for j, k in enumerate(kept)
            if e.kind == k.kind and _anchors(k, times)
        )
        matched: dict[int, int] = {}  # kept index -> found index
        used: set[int] = set()
        for distance, i, j in pairs:
            if distance <= MATCH_TOLERANCE_S + 1e-9 and i not in used and j not in matched:
                matched[j] = i
                used.add(i)
        for j, event in enumerate(kept):
            if j in matched:
                hit = found[matched[j]]
                event.found, event.detected_frame = True, hit.frame
                event.confidence = hit.confidence if event.source == Event.AUTO else 1.0
                event.profile_version, event.detector_version = version, DETECTOR_VERSION
            else:
                event.found = False
        Event.objects.bulk_update(
            kept, ["found", "detected_frame", "confidence", "profile_version", "detector_version"]
        )
        refound, replaced = _refind_unreviewed(previous, found, used, version)
        Event.objects.filter(pk__in=[e.pk for e in previous if e not in refound]).delete()
        Event.objects.bulk_create(
            Event.from_detected(e, replay=replay, version=version)
            for i, e in enumerate(found)
            if i not in used
        )
    return replaced


def _refind_unreviewed(
    previous: list[Event], found: Sequence[DetectedEvent], used: set[int], version: ProfileVersion
) -> tuple[list[Event], list[Event]]:
    """Matches the run's events not taken by corrections (``used`` grows) to the unreviewed
    events of the run before, closest pairs first, and updates the matched rows in place.

    Returns:
        The rows kept, and the events whose clips may need removing (the rows not kept, and
        those kept whose frame moved: their clip rows are deleted, to be cut again).
    """
    pairs = sorted(
        (abs(e.time_s - old.time_s), i, j)
        for i, e in enumerate(found)
        if i not in used
        for j, old in enumerate(previous)
        if e.kind == old.kind
    )
    matched: dict[int, int] = {}  # previous index -> found index
    for distance, i, j in pairs:
        if distance <= MATCH_TOLERANCE_S + 1e-9 and i not in used and j not in matched:
            matched[j] = i
            used.add(i)
    refound, stale = [], []
    for j, i in matched.items():
        event, hit = previous[j], found[i]
        if event.frame != hit.frame:
            stale.append(event)
        event.frame, event.time_s, event.confidence = hit.frame, hit.time_s, hit.confidence
        event.detected_frame, event.found = hit.frame, True
        event.profile_version, event.detector_version = version, DETECTOR_VERSION
        refound.append(event)
    Event.objects.bulk_update(
        refound,
        [
            "frame",
            "time_s",
            "confidence",
            "detected_frame",
            "found",
            "profile_version",
            "detector_version",
        ],
    )
    Clip.objects.filter(event__in=stale).delete()  # cut again around the new frame
    return refound, [e for e in previous if e not in refound] + stale


def labels_of(replay: Replay) -> dict:
    """The replay's labels (confirmed, moved, added events) as ``detectors evaluate`` reads them.

    Returns:
        ``{"replay", "title", "events": [{kind, frame, time_s, confidence, source}]}`` where
        ``source`` says which correction made the label.
    """
    events = replay.events.filter(review__in=Event.LABELS).order_by("frame", "kind")
    return {
        "replay": replay.pk,
        "title": replay.title,
        "events": [e.to_detector(source=e.review).to_dict() for e in events],
    }
