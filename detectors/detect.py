"""Turning sampled frames into kill/death events: match each indicator, then debounce.

Event rule (documented in the README):

* An indicator's *count* in a frame is how many separate places match its template (a kill feed
  can show several of your kills stacked).
* An appearance is a count above the highest count of the last ``HOLD_S`` seconds, so one missed
  match on a noisy frame does not split one on-screen indicator into two events. It is reported at
  that sampled frame: within one sampling interval of the indicator's first frame.
* Debounce (``min_gap_s``): an appearance within ``min_gap_s`` of the previous event of its kind
  is kept only if it is clearly a new one: a further entry stacked while the earlier one was still
  on screen, or the same indicator came back after being gone at least ``CLEAR_S``. Otherwise
  (e.g. a second indicator of the same kind confirming the same kill) it is dropped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import av
import numpy as np

from detectors.events import Event
from detectors.matching import Matcher
from detectors.profile import Indicator, Profile
from detectors.video import SampledReader, VideoError, own_frame_index, progress_every

# The last this-many seconds of counts must all be lower for a new appearance to count.
HOLD_S = 0.3
# An indicator gone this long has "clearly disappeared" (see the module docstring).
CLEAR_S = 1.0
# A run that got this close to the last frame read the whole video.
END_SLACK_FRAMES = 4


@dataclass
class DetectionResult:
    """What a detection run found.

    Attributes:
        events: Events sorted by time.
        frames_decoded: How many frames of the video the run got through.
        frames_total: How many frames the video has (its frame index, or its header if larger).
        complete: False when the video broke off mid-way or the run was stopped.
        message: Empty when complete, else e.g. "decoded 312 of 600 frames".
    """

    events: list[Event]
    frames_decoded: int
    frames_total: int
    complete: bool
    message: str = ""


@dataclass
class _Track:
    """Per-indicator state between sampled frames."""

    matcher: Matcher
    verified: Indicator | None = None  # the profile's indicator, when a verifier decides for it
    recent: deque[tuple[float, int]] = field(default_factory=deque)
    last_seen_s: float = -1e9


class _Debouncer:
    """Applies the event rule across all indicators of a profile."""

    def __init__(self, min_gap_s: float) -> None:
        self.min_gap_s = min_gap_s
        self.last_event_s: dict[str, float] = {}
        self.events: list[Event] = []

    def step(self, track: _Track, number: int, t: float, scores: list[float]) -> None:
        count = len(scores)
        while track.recent and track.recent[0][0] < t - HOLD_S - 1e-9:
            track.recent.popleft()
        before = max((c for _, c in track.recent), default=0)
        track.recent.append((t, count))
        kind = track.matcher.indicator.kind
        for new in range(before, count):
            # Stacked: an entry was already on screen (within HOLD_S) and another one came.
            if self._accept(track, kind, t, stacked=before > 0):
                conf = round(min(1.0, max(0.0, sorted(scores, reverse=True)[new])), 4)
                self.events.append(Event(kind, number, t, conf))
                self.last_event_s[kind] = t
        if count:
            track.last_seen_s = t

    def _accept(self, track: _Track, kind: str, t: float, *, stacked: bool) -> bool:
        last = self.last_event_s.get(kind)
        if last is None or t - last >= self.min_gap_s or stacked:
            return True
        # The same indicator was on screen after the last event and has been gone a while.
        return track.last_seen_s >= last and t - track.last_seen_s >= CLEAR_S


def detect(
    video: str | Path,
    profile: Profile,
    *,
    frame_index: np.ndarray | None = None,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    verifier: Any = None,
) -> DetectionResult:
    """Finds every kill and death in a video.

    Args:
        video: The recording.
        profile: The game profile (see :func:`detectors.profile.load_profile`).
        frame_index: The video's frame index if the caller has it; computed otherwise.
        progress: Called now and then with the fraction done (0..1).
        should_stop: Polled between frames; returning True ends the run early (incomplete).
        verifier: Optional learned verifier (see ``detectors.verifier.Verifier``): matching
            proposes candidates at its ``candidate_threshold(indicator)`` and only those it
            ``keep``s count.

    Returns:
        The events (frame numbers index ``frame_index``) and how far decoding got.

    Raises:
        detectors.video.VideoError: if the video cannot be read at all.
        detectors.profile.ProfileError: if an indicator cannot be matched (a flat-colour box).
    """
    index = own_frame_index(video) if frame_index is None else np.asarray(frame_index, float)
    if len(index) == 0:
        raise VideoError(f"cannot read video {video}: it holds no video frames")
    reader = SampledReader(video, index, profile.sample_fps)
    report = progress_every(progress)
    duration = float(index[-1]) if len(index) else 0.0
    tracks: list[_Track] | None = None
    debouncer = _Debouncer(profile.min_gap_s)
    stopped = False
    for sample in reader:
        if tracks is None:
            size = (sample.luma.shape[1], sample.luma.shape[0])
            tracks = [_track(ind, size, verifier) for ind in profile.indicators]
        for track in tracks:
            found = track.matcher.find(sample.luma)
            if track.verified is not None and found:
                found = _verified(track, found, sample.luma, verifier)
            debouncer.step(track, sample.number, sample.time_s, [m.score for m in found])
        report(sample.time_s / duration if duration else 0.0)
        if should_stop is not None and should_stop():
            stopped = True
            break
    total = max(len(index), _declared_frames(video), reader.frames_reached)
    # Non-reference frames skipped at the very end are not a break: allow a few frames short.
    at_end = reader.frames_reached >= total - END_SLACK_FRAMES
    complete = at_end and not reader.broken and not stopped
    reached = total if complete else reader.frames_reached
    message = "" if complete else f"decoded {reached} of {total} frames"
    if stopped:
        message += " (stopped)"
    if complete:
        report(1.0)
    events = sorted(debouncer.events, key=lambda e: (e.time_s, e.kind))
    return DetectionResult(events, reached, total, complete, message)


def _track(indicator: Indicator, size: tuple[int, int], verifier: Any) -> _Track:
    low = None if verifier is None else verifier.candidate_threshold(indicator)
    if low is None:
        return _Track(Matcher(indicator, size))
    return _Track(Matcher(replace(indicator, threshold=low), size), verified=indicator)


def _verified(track: _Track, found: list, luma: np.ndarray, verifier: Any) -> list:
    """The candidates the verifier keeps (their crops are the matched boxes in video pixels)."""
    from detectors.verifier import crop_luma, match_box

    return [
        m
        for m in found
        if verifier.keep(track.verified, crop_luma(luma, match_box(track.matcher, m)))
    ]


def _declared_frames(video: str | Path) -> int:
    """The frame count the container's header declares (0 when it does not say)."""
    try:
        with av.open(str(video)) as container:
            return int(container.streams.video[0].frames or 0)
    except (av.error.FFmpegError, IndexError, OSError):
        return 0
