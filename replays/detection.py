"""The detection part of the replay job: events in one transaction, then a clip row per event.

Events found by a run are tagged with the detector version and the profile version that produced
them. A repeated or retried run replaces its own unreviewed events and their clips, never
duplicates them; events a coach added or corrected stay as the coach left them (see
``replays.corrections.services.events_replace_detected``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction

from coach import storage
from detectors import DETECTOR_VERSION, ProfileError, load_profile, sandbox
from detectors.clips import ClipError, thumbnail
from detectors.probe import ProbeError, clock_of
from detectors.smartcut import SmartCutError, read_packets
from detectors.video import VideoError

from .corrections.services import events_replace_detected
from .decoding import decode_limits
from .models import Clip, Event, ProfileVersion, Replay
from .verifiers.services import active_verifier

logger = logging.getLogger(__name__)


def throttled(replay: Replay, start: float, span: float, stage: str) -> Callable[[float], None]:
    """A progress callback that writes to the database at most twice a second."""
    last = [0.0]

    def report(fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 or fraction >= 1.0:
            last[0] = now
            replay.set_progress(start + span * fraction, stage)

    return report


def up_to_date(replay: Replay, version: ProfileVersion) -> bool:
    return replay.detected_with_id == version.pk and replay.detector_version == DETECTOR_VERSION


def replay_detect(replay: Replay, version: ProfileVersion) -> bool:
    """Runs the profile version's detector on the replay and stores its events.

    Returns:
        False if detection could not run (the replay is then marked failed with the reason).
    """
    try:
        storage.fetch(replay.path)
        profile = load_profile(version.spec, base_dir=storage.fetch_tree(version.path))
        # In a limited child process: a decoder crash or hang fails this replay, not the worker.
        result = sandbox.detect(
            replay.path,
            profile,
            frame_index=replay.frame_times(),
            progress=throttled(replay, 0.3, 0.5, "finding kills and deaths"),
            limits=decode_limits(replay.duration_s),
            verifier=active_verifier(version),
        )
    except ProfileError as exc:
        # The profile version's own fault: every run with it fails this way (see
        # ``Replay.profile_at_fault``), so the page asks for an edit or another profile.
        replay.mark_failed(f"detection failed: {exc}", profile=version)
        return False
    except (VideoError, sandbox.DecodeFailed) as exc:
        replay.mark_failed(f"detection failed: {exc}")
        return False
    with transaction.atomic():
        old = events_replace_detected(replay=replay, version=version, found=result.events)
        replay.detected_with = version
        replay.detector_version = DETECTOR_VERSION
        replay.detection_note = result.message
        replay.save(update_fields=["detected_with", "detector_version", "detection_note"])
    _remove_stale_clip_files(old, replay)
    return True


def _clip_name(event: Event, team_window: tuple[float, float]) -> str:
    before, after = team_window
    return f"{event.kind}-{event.frame}-{before:g}-{after:g}"


def replay_cut_clips(replay: Replay, *, quiet: bool = False, eager: bool | None = None) -> str:
    """Makes a thumbnail and a ``Clip`` row for every event that has none yet.

    The clip's video is cut the first time somebody opens it (``replays.clips.clip_file``):
    cutting every clip here cost several times what detection did, for clips mostly never
    watched. With ``eager`` (default: the ``FILMROOM_EAGER_CLIPS`` setting) they are cut here
    too, for sites that would rather pay up front than make the first viewer wait.

    Args:
        replay: The replay.
        quiet: Report no progress (clips made after a correction, outside the replay job).
        eager: Cut the clips' videos now as well.

    Clip windows are frame-index times; ``clock_of`` places them on FFmpeg's clock, so videos
    that start late cut right.

    Returns:
        "" when every clip was made, else a reason a person can read ("2 of 3 clips failed:
        ..."); the job then fails its clip step with it instead of saying Done.
    """
    from .clips import ClipUnavailable, clip_file

    eager = settings.FILMROOM_EAGER_CLIPS if eager is None else eager
    try:
        clock = clock_of(storage.fetch(replay.path))
    except ProbeError as exc:
        return f"cutting clips failed: {exc}"
    try:  # read once, shared by every thumbnail: H.264 frames are decoded from the index
        packets = read_packets(replay.path)
    except SmartCutError:
        packets = None
    failures: list[str] = []
    window = (replay.team.clip_before_s, replay.team.clip_after_s)
    folder = Path(settings.MEDIA_ROOT) / "clips" / str(replay.pk)
    folder.mkdir(parents=True, exist_ok=True)
    events = list(replay.events.select_related("clip").order_by("frame"))
    report = (lambda _: None) if quiet else throttled(replay, 0.8, 0.2, "making clip thumbnails")
    media = Path(settings.MEDIA_ROOT)
    for n, event in enumerate(events, 1):
        name = _clip_name(event, window)
        video, thumb = folder / f"{name}.mp4", folder / f"{name}.jpg"
        start = max(0.0, event.time_s - window[0])
        end = min(replay.duration_s, event.time_s + window[1]) or event.time_s + window[1]
        try:
            # Same event, same window: the thumbnail is already there.
            if not storage.exists(thumb):
                thumbnail(replay.path, event.time_s, thumb, width=320, clock=clock, packets=packets)
                storage.publish(thumb)
        except ClipError as exc:
            logger.warning("no clip for %s: %s", event, exc)
            if "the disk is full" in str(exc):  # the next clips would not fit either
                made = n - 1
                what = "clips" if eager else "clip thumbnails"
                return f"making {what} stopped, {made} of {len(events)} made: {exc}"
            failures.append(f"{event.kind} at frame {event.frame}: {exc}")
            continue
        previous = getattr(event, "clip", None)
        if previous is not None and previous.path != video:  # the team changed its clip window
            storage.remove(previous.path, previous.thumbnail_path)
        clip, _ = Clip.objects.update_or_create(
            event=event,
            defaults={
                "file": str(video.relative_to(media)),
                "thumbnail": str(thumb.relative_to(media)),
                "start_s": start,
                "end_s": end,
                "error": "" if previous is None or previous.path != video else previous.error,
            },
        )
        if eager:
            try:
                clip_file(clip, source_index=(clock, packets))
            except ClipUnavailable as exc:
                failures.append(f"{event.kind} at frame {event.frame}: {exc}")
        report(n / len(events))
    if failures:
        return f"{len(failures)} of {len(events)} clips failed: {failures[0]}"
    return ""


def _remove_stale_clip_files(old_events: list[Event], replay: Replay) -> None:
    keep = {
        _clip_name(e, (replay.team.clip_before_s, replay.team.clip_after_s))
        for e in replay.events.all()
    }
    for event in old_events:
        clip = getattr(event, "clip", None)
        if clip is None:
            continue
        if Path(clip.file).stem not in keep:
            storage.remove(clip.path, clip.thumbnail_path)
