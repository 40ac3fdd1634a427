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

Scale and place (see ``detectors.scale_search``): an indicator that is not locked yet is searched
over the whole frame on the first sampled frame and now and then (every ``DISCOVER_EVERY`` sampled
frames, and on any frame where it matches where the reference says). A find there locks the
indicator only once it is seen at the same place and scale on ``CONFIRM_SAMPLES`` more sampled
frames: the ones just before it (still held in memory) when it was already on screen, else any of
the next ``CONFIRM_WINDOW``. Every place the search finds waits so, not only the best one. A HUD
entry stays; a look-alike in the picture (a sprite, scenery) rarely holds still that long.
Until every indicator is locked, the latest ``HELD_SAMPLES`` sampled frames wait before they are
matched (and ``CONFIRM_WINDOW`` more while finds wait), so an event of a HUD drawn at another
scale that was on screen up to that long before the search found it is still reported at its
first sampled frame. :class:`ScaleLock` holds this rule and
:func:`held` the wait; the verifier's training uses both.

A verifier (optional) gets the last word on candidates: see :func:`detect`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from detectors import idle
from detectors.events import Event
from detectors.matching import Match, Matcher, uses_color
from detectors.profile import Indicator, Profile
from detectors.video import (
    SampledFrame,
    SampledReader,
    VideoError,
    own_frame_index,
    prefetched,
    progress_every,
)

# The last this-many seconds of counts must all be lower for a new appearance to count.
HOLD_S = 0.3
# An indicator gone this long has "clearly disappeared" (see the module docstring).
CLEAR_S = 1.0
# A run that got this close to the last frame read the whole video.
END_SLACK_FRAMES = 4
# An indicator not locked yet is searched for over the whole frame once per this many samples.
DISCOVER_EVERY = 8
# ...and, after every two that found nothing, half as often, down to once per this many.
DISCOVER_EVERY_MAX = 32
# ...and from this many misses on, each search tries every other scale, alternating halves
# (Matcher.discover's ``half``): a video that shows no HUD for a long time costs half as much.
HALF_SEARCH_AFTER = 2
# A find of the whole-frame search locks once seen on this many more samples...
CONFIRM_SAMPLES = 2
# ...among the next this many (a kill feed flickers, or a scoreboard covers it for a moment:
# the real Valorant clip's feed was gone for three samples between its sightings).
CONFIRM_WINDOW = 6
# While an indicator is not locked, this many of the latest samples wait (see held): at 8
# samples a second, an entry that appeared up to 2 s before the search found it is reported from
# its first sample (searches come at most DISCOVER_EVERY_MAX samples apart).
HELD_SAMPLES = 16
# A find elsewhere must beat the match where the reference says by this much to move there.
PREFER_REFERENCE = 0.03
# Decoded frames waiting for the matcher (the decoding thread runs this far ahead).
PREFETCH = 4
# A candidate under the indicator's own threshold that a verifier keeps counts only where a
# candidate stood on the sample before, within this many work pixels: a HUD entry holds still
# once drawn, while entries sliding in and scenery under a moving camera do not (see _Track.find).
STILL_PX = 2
# Samples whose candidates a track remembers for that.
STILL_KEPT = 4


class Verifier(Protocol):
    """Decides on template-matching candidates (e.g. a small learned model per profile)."""

    def candidate_threshold(self, indicator: Indicator) -> float | None:
        """The score from which candidates are proposed; None: this indicator is not verified."""

    def keep(self, indicator: Indicator, crop_luma: np.ndarray) -> bool:
        """Whether a candidate (the uint8 luma crop at its box, video pixels) is an event.

        A verifier with a ``context`` attribute gets the box grown by that fraction of its
        height on every side (clipped to the frame).
        """


@dataclass
class DetectionResult:
    """What a detection run found.

    Attributes:
        events: Events sorted by time.
        frames_decoded: How many frames of the video the run got through.
        frames_total: How many frames the video has (its frame index, or its header if larger).
        complete: False when the video broke off mid-way or the run was stopped.
        message: Empty when complete, else e.g. "decoded 312 of 600 frames".
        match_s: CPU seconds spent matching (in the time decoding leaves idle: see
            :mod:`detectors.idle`).
        wait_s: Seconds the matching waited for the decoding thread (it was ahead of it).
    """

    events: list[Event]
    frames_decoded: int
    frames_total: int
    complete: bool
    message: str = ""
    match_s: float = 0.0
    wait_s: float = 0.0


Find = tuple[float, float, tuple[float, float, float, float]]


@dataclass
class ScaleLock:
    """When an indicator not locked yet searches the whole frame, and when a find locks it.

    The one rule for detection (:func:`detect`) and for the verifier's training crops
    (``detectors.verifier_training.locked_samples``), so both lock on the same sample, scale
    and place.
    """

    matcher: Matcher
    # The finds of the latest whole-frame search (score, scale, box) waiting for confirmation,
    # each with the samples other than its own on which it was seen at the same place.
    tentatives: list[tuple[Find, int]] = field(default_factory=list)
    # Samples looked at for them since the search (at most CONFIRM_WINDOW).
    waited: int = 0
    # Whole-frame searches that found nothing (they then come less often).
    misses: int = 0
    # Samples since the last whole-frame search: the first sample is searched (an entry on
    # screen when the recording starts may be gone before the next search).
    samples: int = DISCOVER_EVERY - 1
    # Whether the first search was made.
    searched: bool = False

    def step(
        self,
        sample: SampledFrame,
        found: list[Match],
        *,
        earlier: Sequence[SampledFrame] = (),
    ) -> None:
        """Advances the search by one sample.

        Args:
            sample: The sample.
            found: The matches in it at the matcher's current geometry (any score).
            earlier: The samples just before this one, oldest first (those the caller still
                holds): a find is confirmed on them first, so an entry that was already on screen
                for a while when the search came is locked at once, not lost when it goes.
        """
        matcher = self.matcher
        if matcher.locked:
            return
        if self.tentatives and self._confirm(sample):
            return
        self.samples += 1
        threshold = matcher.indicator.threshold
        here = max((m.score for m in found if m.score >= threshold), default=None)
        if here is None and self.samples < _discover_gap(self.misses):
            return
        self.samples = 0
        half = self.misses % 2 if self.misses >= HALF_SEARCH_AFTER else None
        finds = matcher.finds(sample, half)
        if not finds and self.searched:
            # The first search does not back the searches off: the HUD may just not show yet.
            self.misses += 1
        self.searched = True
        if here is not None and (not finds or finds[0][0] < here + PREFER_REFERENCE):
            # Where the reference says, and nothing clearly better elsewhere.
            self.tentatives = []
            matcher.lock_here()
            return
        # Every place found waits for its confirmations, seen on the held samples first: the
        # best-scoring one may be a look-alike that is gone on the next sample.
        self.tentatives, self.waited = [], 0
        for find in finds:
            seen = 0
            for before in reversed(earlier[-CONFIRM_SAMPLES:]):
                if matcher.still_there(before, find) is None:
                    break
                seen += 1
            if seen >= CONFIRM_SAMPLES:
                self.tentatives = []
                matcher.lock_on(find)
                return
            self.tentatives.append((find, seen))

    def _confirm(self, sample: SampledFrame) -> bool:
        """Looks for the waiting finds in the sample and locks on one seen ``CONFIRM_SAMPLES``
        times (the best scoring, if several); after ``CONFIRM_WINDOW`` samples the rest are
        dropped. Whether any still waits or one locked (then there is no search on it)."""
        # Seen again at the same place and scale: a HUD element, not a look-alike passing by
        # (a sprite holds still for a sample more often than for two).
        self.waited += 1
        waiting: list[tuple[Find, int]] = []
        confirmed: list[Find] = []
        for find, seen in self.tentatives:
            again = self.matcher.still_there(sample, find)
            if again is not None and seen + 1 >= CONFIRM_SAMPLES:
                confirmed.append(again)
            waiting.append((find, seen + (again is not None)))
        if confirmed:
            self.tentatives = []
            self.matcher.lock_on(max(confirmed, key=lambda find: find[0]))
            return True
        self.tentatives = waiting if self.waited < CONFIRM_WINDOW else []
        return bool(self.tentatives)


def held(locks: Sequence[ScaleLock]) -> int:
    """How many of the latest samples wait for the scale search before they are matched.

    While an indicator is not locked, the latest ``HELD_SAMPLES`` (plus the confirmations while
    a find waits for them): when a find locks, they are matched at its scale, so an entry that
    was on screen before the search came is reported from its first sample. 0 once every
    indicator is locked.
    """
    if all(lock.matcher.locked for lock in locks):
        return 0
    waiting = any(lock.tentatives for lock in locks)
    return HELD_SAMPLES + (CONFIRM_WINDOW if waiting else 0)


@dataclass
class _Track:
    """Per-indicator state between sampled frames."""

    matcher: Matcher
    verifier: Verifier | None = None
    candidate_threshold: float | None = None
    recent: deque[tuple[float, int]] = field(default_factory=deque)
    last_seen_s: float = -1e9
    lock: ScaleLock = field(init=False)
    # The candidates of the latest samples: (sample number, geometry, places in work px).
    candidates: deque[tuple[int, object, list[tuple[int, int]]]] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.lock = ScaleLock(self.matcher)

    def find(self, frame: SampledFrame) -> list[Match]:
        """The matches in a frame; with a verifier, its candidates that it keeps.

        A candidate under the indicator's own threshold is the verifier's to rescue only where
        a candidate stood on the sample before (``STILL_PX``): lines sliding into a kill feed,
        plain dark boxes without their text yet, scored 0.55-0.68 on the generated feed, and a
        verifier trained on settled lines kept some of them (5 false kills in 18 s).
        """
        if self.verifier is None or self.candidate_threshold is None:
            return self.matcher.find(frame)
        found = self.matcher.find(frame, self.candidate_threshold)
        before = self._places_before(frame.number)
        self._remember(frame.number, [(m.x, m.y) for m in found])
        ind = self.matcher.indicator
        kept = []
        # Context around the box (a fraction of its height a side; the learned verifier's PAD):
        # where the scale search settles a little small, an outline lies just outside the box.
        grow = float(getattr(self.verifier, "context", 0.0))
        for match in found:
            if match.score < ind.threshold and not any(
                abs(match.x - x) <= STILL_PX and abs(match.y - y) <= STILL_PX for x, y in before
            ):
                continue
            x, y, w, h = self.matcher.box_of(match)
            pad = int(round(h * grow))
            x0, y0 = max(0, x - pad), max(0, y - pad)
            crop = np.ascontiguousarray(frame.luma[y0 : y + h + pad, x0 : x + w + pad])
            if self.verifier.keep(ind, crop):
                kept.append(match)
        return kept

    def _places_before(self, number: int) -> list[tuple[int, int]]:
        """The candidates of the sample just before ``number``, if matched at this geometry."""
        last = max((c[0] for c in self.candidates if c[0] < number), default=None)
        geometry = self.matcher.geometry
        latest = (c[2] for c in reversed(self.candidates) if c[0] == last and c[1] is geometry)
        return next(latest, [])

    def _remember(self, number: int, places: list[tuple[int, int]]) -> None:
        self.candidates.append((number, self.matcher.geometry, places))
        while len(self.candidates) > STILL_KEPT:
            self.candidates.popleft()


class _Debouncer:
    """Applies the event rule across all indicators of a profile."""

    def __init__(self, min_gap_s: float) -> None:
        self.min_gap_s = min_gap_s
        self.last_event_s: dict[str, float] = {}
        self.events: list[Event] = []
        # The tracks of each kind seen so far.
        self.peers: dict[str, list[_Track]] = {}

    def step(self, track: _Track, number: int, t: float, scores: list[float]) -> None:
        count = len(scores)
        kind = track.matcher.indicator.kind
        peers = self.peers.setdefault(kind, [])
        if not any(p is track for p in peers):
            peers.append(track)
        while track.recent and track.recent[0][0] < t - HOLD_S - 1e-9:
            track.recent.popleft()
        # Entries already counted: by any indicator of the kind (two references of one kill
        # feed both see a stacked line; it is one kill).
        since = t - HOLD_S - 1e-9
        before = max((c for p in peers for when, c in p.recent if when >= since), default=0)
        track.recent.append((t, count))
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
    verifier: Verifier | None = None,
) -> DetectionResult:
    """Finds every kill and death in a video.

    Args:
        video: The recording.
        profile: The game profile (see :func:`detectors.profile.load_profile`).
        frame_index: The video's frame index if the caller has it; computed otherwise.
        progress: Called now and then with the fraction done (0..1).
        should_stop: Polled between frames; returning True ends the run early (incomplete).
        verifier: Optional. For each indicator for which ``verifier.candidate_threshold``
            returns a score, matches at or above that score are candidates, and each counts
            only if ``verifier.keep(indicator, crop_luma)`` says so (``crop_luma``: the frame's
            luma at ``Matcher.box_of`` the match, grown by ``verifier.context`` if it has one).
            Without one, matches at the indicator's threshold count.

    Returns:
        The events (frame numbers index ``frame_index``) and how far decoding got.

    Raises:
        detectors.video.VideoError: if the video cannot be read at all.
        detectors.profile.ProfileError: if an indicator cannot be matched (a flat-colour box).
    """
    index = own_frame_index(video) if frame_index is None else np.asarray(frame_index, float)
    if len(index) == 0:
        raise VideoError(f"cannot read video {video}: it holds no video frames")
    chroma = any(uses_color(ind) for ind in profile.indicators)
    reader = SampledReader(video, index, profile.sample_fps, chroma=chroma)
    report = progress_every(progress)
    duration = float(index[-1]) if len(index) else 0.0
    debouncer = _Debouncer(profile.min_gap_s)
    pending: list[tuple[SampledFrame, dict[int, tuple[object, list[Match]]]]] = []
    tracks: list[_Track] = []
    done = [0.0]  # the fraction matched so far

    def step(sample: SampledFrame) -> None:
        if not tracks:
            size = (sample.luma.shape[1], sample.luma.shape[0])
            tracks.extend(_track(ind, size, verifier) for ind in profile.indicators)
        earlier = [p[0] for p in pending[-CONFIRM_SAMPLES:]]
        found = _search(tracks, sample, earlier=earlier)
        # The latest samples wait for the scale search (see held), the rest are matched.
        waiting = held([t.lock for t in tracks])
        if waiting:
            # A copy waits, so the decoder's frame goes back to its pool now. Waiting as views,
            # the held frames grew the pool by as many frames, each first touched by the decoding
            # thread (12 MB a frame at 4K): an 8 s 4K H.264 file took 1.25 s, 1.06 s with copies
            # (best of 6, fresh processes; the copies are made here, in idle CPU time).
            sample = sample.detached()
        pending.append((sample, found))
        extra = len(pending) - waiting
        if extra > 0:
            _flush(pending[:extra], tracks, debouncer)
            del pending[:extra]
        done[0] = sample.time_s / duration if duration else 0.0

    def poll() -> bool:
        report(done[0])
        return should_stop is not None and should_stop()

    frames = prefetched(reader, PREFETCH)
    with _opencv_single_threaded():
        try:
            # Matching runs in the CPU time decoding leaves idle (see detectors.idle).
            stopped, timing = idle.run(frames, step, poll)
        finally:
            frames.close()  # stops the decoding thread now, not when the generator is collected
        match_s, wait_s = timing.step_cpu_s, timing.wait_s
        if tracks:
            cpu = time.thread_time()
            _flush(pending, tracks, debouncer)
            match_s += time.thread_time() - cpu
    total = max(len(index), reader.declared_frames, reader.frames_reached)
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
    return DetectionResult(events, reached, total, complete, message, match_s, wait_s)


_threads_lock = threading.Lock()
_single_users = 0
_threads_before = 1


@contextmanager
def _opencv_single_threaded() -> Iterator[None]:
    """OpenCV on one thread while detecting (restored after the last detection in the process).

    The decoding thread keeps both cores of a small machine busy already; OpenCV splitting each
    small resize, blur or match over its own thread pool only added hand-over and spinning:
    measured, about 0.4 CPU-seconds a minute of 1080p60 with the bench's large profile.
    """
    global _single_users, _threads_before
    with _threads_lock:
        if _single_users == 0:
            _threads_before = cv2.getNumThreads()
            cv2.setNumThreads(1)
        _single_users += 1
    try:
        yield
    finally:
        with _threads_lock:
            _single_users -= 1
            if _single_users == 0:
                cv2.setNumThreads(_threads_before)


def _track(indicator: Indicator, size: tuple[int, int], verifier: Verifier | None) -> _Track:
    threshold = None if verifier is None else verifier.candidate_threshold(indicator)
    return _Track(Matcher(indicator, size), verifier, threshold)


def _discover_gap(misses: int) -> int:
    """Samples between whole-frame searches after ``misses`` that found nothing."""
    return min(DISCOVER_EVERY_MAX, DISCOVER_EVERY * 2 ** (misses // 2))


def _search(
    tracks: list[_Track], sample: SampledFrame, *, earlier: list[SampledFrame]
) -> dict[int, tuple[object, list[Match]]]:
    """Matches the indicators not locked yet and advances their scale search (ScaleLock).

    Returns the matches found (by track) with the geometry they were found at, so the flush
    does not match the same frame twice when nothing changed.
    """
    done: dict[int, tuple[object, list[Match]]] = {}
    for i, track in enumerate(tracks):
        matcher = track.matcher
        if matcher.locked:
            continue
        geometry = matcher.geometry
        found = track.find(sample)
        done[i] = (geometry, found)
        track.lock.step(sample, found, earlier=earlier)
    return done


def _flush(
    pending: list[tuple[SampledFrame, dict[int, tuple[object, list[Match]]]]],
    tracks: list[_Track],
    debouncer: _Debouncer,
) -> None:
    """Steps these waiting frames through every indicator, in time order."""
    for sample, done in pending:
        for i, track in enumerate(tracks):
            known = done.get(i)
            if known is not None and known[0] is track.matcher.geometry:
                found = known[1]
            else:
                found = track.find(sample)
            debouncer.step(track, sample.number, sample.time_s, [m.score for m in found])
