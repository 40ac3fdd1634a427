"""Indicator discovery: from a few moments marked "a kill happened here", propose the box.

A HUD indicator is what *appears* near each moment, then *stays put* for a while, and does so in
the same place every time (or one line further down a feed that stacks). For each moment we
decode frames every ``STEP_S`` over the moment +- ``TOLERANCE_S`` (a coach's mark, or a detected
event, is rarely on the onset itself) and, for every candidate onset in that span, score each
pixel by how far the frames held after the onset differ from every frame just before it, less how
much the held frames differ among themselves. The held span is ``HOLD_S`` (1.2 s): a kill-feed
line or a score counter stays that long; a clock digit, a minimap, particles or a panning camera
change within it, so they score low. Onsets with a hard cut between "before" and "held" are
skipped (across a cut everything appears), and onsets further from the mark count a little less
(``NEAR_WEIGHT``). The best onset per pixel gives the moment's map.

Regions that also appear at *control* times (times well away from every mark, sampled in the same
video) are penalised: an ammo counter or a clock appears there too. The moments' maps are then
combined so that only a region that appeared at every moment (at most one left out; see
:func:`consensus`) survives, allowing each other moment's region to sit up to ``STACK_SHIFT``
of the frame height higher or lower (a kill feed stacks its lines). Pieces of one text line are
joined, compact, clear boxes rank above sprawling ones, and a region whose onsets at two moments
are the same change seen twice (marks closer than two tolerances) is passed over. The best
region left is the proposal.

Pure Python (PyAV, OpenCV, NumPy); no Django. ``python -m detectors.discover VIDEO T1 T2 T3``
prints the box.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np

from detectors.video import upright, upright_turns

# Onset search (seconds, frame-index time). For an onset tau the indicator is expected absent in
# [tau - BEFORE_S, tau - GUARD_S] and present, unchanging, in [tau + SETTLE_S, tau + SETTLE_S +
# HOLD_S]; tau is searched over the mark +- TOLERANCE_S in steps of STEP_S.
TOLERANCE_S = 1.0
STEP_S = 0.1
# How much less an onset a full TOLERANCE_S from the mark counts than one on it.
NEAR_WEIGHT = 0.5
BEFORE_S = 0.4
GUARD_S = 0.1
SETTLE_S = 0.2
HOLD_S = 1.2
# An onset whose held span the video cuts short still counts with this many frames held.
MIN_HELD = 9
# Control times: up to CONTROLS of them, searched over +- CONTROL_TOLERANCE_S, each at least
# CONTROL_GAP_S from every mark (so that no marked onset falls in their windows).
CONTROLS = 4
CONTROL_TOLERANCE_S = TOLERANCE_S
CONTROL_GAP_S = TOLERANCE_S + CONTROL_TOLERANCE_S + SETTLE_S
SEEK_GAP_S = 3.0  # wanted times further apart than this are reached by a seek
# Two moments whose onsets for a region are closer than this saw the same change.
SAME_EVENT_S = 0.5
# A hard cut: at least CUT_SHARE of the CUT_GRID x CUT_GRID cells change their colour histogram
# by more than CUT_CELL_CHANGE (Bhattacharyya distance) from one sample to the next.
CUT_GRID = 4
CUT_CELL_CHANGE = 0.3
CUT_SHARE = 0.5
WORK_WIDTH = 640  # maps are computed at this width at most: enough for a HUD box, and fast
MIN_MOMENTS = 2
# How far (share of the frame height) the region may sit from one moment to the next: a kill
# feed puts the next line one slot lower (measured: 14 px of 360 in Valorant).
STACK_SHIFT = 0.07
# Boxes larger than this share of the frame are ranked down in proportion (a HUD sign is small;
# a hard cut or a camera that stops moving is not).
COMPACT_AREA = 0.04
# A region thinner than this (map px) is a sliver along an edge that happened to hold, not a sign
# (the smallest sign tested: SF2's score digits, 9 px high at 256x200).
MIN_SIDE = 4
# Regions on the same rows (overlapping by LINE_OVERLAP of the lower one's height) and at most
# LINE_GAP heights apart are one line of a feed (measured: 34 px between the portrait and the
# weapon icon of an 11 px high Valorant line, at its weakest).
LINE_OVERLAP = 0.6
LINE_GAP = 4.0
# A region found with one moment left out must be this many times clearer (mean change in its
# box) than the best one found with all of them to win.
LEAVE_ONE_OUT_GAIN = 2.0
# ...and at least this clear (score 0-1): two moments agree on background change far more often
# than three do (measured: 0.16 for a moving character, 0.28-0.39 for HUD lines).
LEAVE_ONE_OUT_MIN = 0.2
# A proposal under this score is a weak one (the site says so): HUD lines scored 0.28-0.42 on
# their real moments, marks where nothing happens 0.08-0.10, a moving character 0.16.
WEAK_SCORE = 0.2


class DiscoveryError(ValueError):
    """Discovery cannot run on this input; the message is one line for a person."""


@dataclass(frozen=True)
class Proposal:
    """A proposed indicator box.

    Attributes:
        box: [x, y, w, h] in the video's pixels.
        score: 0-1: how clearly the region appeared at the weakest of the moments (mean of the
            combined change map inside the box, over 255).
        reference_time_s: Frame-index time of the frame to cut the reference from (a held frame
            of the moment where the region appeared most clearly).
        reference_moment: Which of the given moments that frame belongs to (0-based).
        candidates: The other regions found, as ([x, y, w, h], score), best first.
        ignored_moment_s: The moment left out because the others agreed far more clearly
            without it (see :func:`consensus`), or None.
        onsets_s: Per moment, the onset found for the box (where the sign actually appeared).
        controls_s: The control times sampled as negatives.
    """

    box: tuple[int, int, int, int]
    score: float
    reference_time_s: float
    reference_moment: int
    candidates: list[tuple[tuple[int, int, int, int], float]] = field(default_factory=list)
    ignored_moment_s: float | None = None
    onsets_s: list[float] = field(default_factory=list)
    controls_s: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON form the site and the command line print."""
        return {
            "box": list(self.box),
            "score": round(self.score, 3),
            "weak": self.score < WEAK_SCORE,
            "reference_time_s": round(self.reference_time_s, 4),
            "reference_moment": self.reference_moment,
            "candidates": [{"box": list(b), "score": round(s, 3)} for b, s in self.candidates],
            "ignored_moment_s": self.ignored_moment_s,
            "onsets_s": [round(t, 3) for t in self.onsets_s],
            "controls_s": [round(t, 3) for t in self.controls_s],
        }


@dataclass
class _Video:
    path: Path
    width: int
    height: int
    duration: float
    scale: float


def _open(path: Path) -> _Video:
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise DiscoveryError(f"{path.name} has no video track")
            stream = container.streams.video[0]
            ctx = stream.codec_context
            width, height = int(ctx.width), int(ctx.height)
            first = next(container.decode(stream), None)
            if first is not None and upright_turns(first) % 2:  # as shown: turned a quarter
                width, height = height, width
            # Frame-index time counts from the stream's first frame, which may start late.
            if stream.duration is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                late = float((stream.start_time or 0) * stream.time_base)
                duration = (container.duration - (container.start_time or 0)) / av.time_base - late
            else:
                duration = float("inf")
    except (av.error.FFmpegError, OSError) as exc:
        raise DiscoveryError(f"cannot open {path.name}: {exc}") from exc
    return _Video(path, width, height, duration, min(1.0, WORK_WIDTH / width))


def _runs(times: list[float]) -> list[list[float]]:
    """Sorted times split where the next one is more than SEEK_GAP_S on: each run is decoded in
    one forward pass, so overlapping windows decode their frames once."""
    runs: list[list[float]] = []
    for t in times:
        if runs and t - runs[-1][-1] <= SEEK_GAP_S:
            runs[-1].append(t)
        else:
            runs.append([t])
    return runs


def _decode_at(video: _Video, wanted: Sequence[float]) -> dict[float, np.ndarray]:
    """Decodes the frame shown at each wanted time (>= 0), as uint8 RGB at the working scale,
    keyed by that time. Times past the last frame (by more than a step) are left out."""
    out: dict[float, np.ndarray] = {}
    try:
        with av.open(str(video.path)) as container:
            stream = container.streams.video[0]
            stream.codec_context.thread_type = "AUTO"
            tb = float(stream.time_base)
            start = stream.start_time or 0
            for pending in _runs(sorted({w for w in wanted if w >= 0})):
                container.seek(start + int(pending[0] / tb), stream=stream, backward=True)
                prev, image = None, None
                for frame in container.decode(stream):
                    if frame.pts is None:
                        continue
                    t = (frame.pts - start) * tb
                    while pending and t > pending[0] + 1e-4:  # prev is the frame shown then
                        if prev is not None:
                            image = _prepare(prev, video) if image is None else image
                            out[pending[0]] = image
                        pending.pop(0)
                    if not pending:
                        break
                    prev, image = frame, None
                    last = t
                if pending and prev is not None:  # the video ended: its last frame stays a step
                    for w in pending:
                        if w <= last + STEP_S:
                            image = _prepare(prev, video) if image is None else image
                            out[w] = image
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        raise DiscoveryError(f"cannot decode {video.path.name}: {exc}") from exc
    return out


def _prepare(frame: av.VideoFrame, video: _Video) -> np.ndarray:
    turns = upright_turns(frame)  # boxes are drawn on the frame as shown (see _open)
    if video.scale < 1.0:
        w, h = round(video.width * video.scale), round(video.height * video.scale)
        w, h = (h, w) if turns % 2 else (w, h)
        rgb = frame.to_ndarray(format="rgb24", width=w, height=h, interpolation="AREA")
    else:
        rgb = frame.to_ndarray(format="rgb24")
    return cv2.GaussianBlur(upright(rgb, turns), (3, 3), 0)


def _channel_max(image: np.ndarray) -> np.ndarray:
    b, g, r = cv2.split(image)
    return cv2.max(cv2.max(b, g), r)


def change_map(before: list[np.ndarray], after: list[np.ndarray]) -> np.ndarray:
    """Per pixel (0-255): how much the held after-frames differ from the *closest* before-frame,
    less how much they differ among themselves (their range). High only where something new
    appeared and then held still for the whole held span. (uint8 OpenCV arithmetic: numpy's
    reductions over the colour axis were 10x slower.)"""
    high, low = after[0], after[0]
    for a in after[1:]:
        high, low = cv2.max(high, a), cv2.min(low, a)
    spread = _channel_max(cv2.subtract(high, low))
    mid = cv2.addWeighted(high, 0.5, low, 0.5, 0)
    change = _channel_max(cv2.absdiff(mid, before[0]))
    for b in before[1:]:
        change = cv2.min(change, _channel_max(cv2.absdiff(mid, b)))
    return cv2.subtract(change, spread)


@dataclass
class _Window:
    """The onset search around one time: the best map over onsets, and the map per onset."""

    time: float
    best: np.ndarray  # per pixel, max over onsets (uint8)
    onsets: list[tuple[float, np.ndarray]]  # (onset, map)


def _cells(image: np.ndarray) -> list[np.ndarray]:
    """Colour histograms of a CUT_GRID x CUT_GRID grid of cells of the frame."""
    h, w = image.shape[:2]
    out = []
    for i in range(CUT_GRID):
        for j in range(CUT_GRID):
            cell = image[i * h // CUT_GRID : (i + 1) * h // CUT_GRID,
                         j * w // CUT_GRID : (j + 1) * w // CUT_GRID]  # fmt: skip
            hist = cv2.calcHist([cell], [0, 1, 2], None, [8, 8, 8], [0, 256] * 3)
            out.append(cv2.normalize(hist, hist).flatten())
    return out


def cuts(frames: dict[float, np.ndarray]) -> set[float]:
    """Sample times whose frame is across a hard cut from the sample before: most cells of the
    frame changed their colours (a pan or a flash changes few; measured on the Valorant clip:
    0.56-1.0 of the cells at its cuts, at most 0.19 for the generated footage's flash)."""
    found: set[float] = set()
    hists: dict[float, list[np.ndarray]] = {}
    times = sorted(frames)
    for prev, t in zip(times, times[1:], strict=False):
        if t - prev > STEP_S * 1.5:
            continue
        for w in (prev, t):
            if w not in hists:
                hists[w] = _cells(frames[w])
        changed = [
            cv2.compareHist(a, b, cv2.HISTCMP_BHATTACHARYYA) > CUT_CELL_CHANGE
            for a, b in zip(hists[prev], hists[t], strict=True)
        ]
        if np.mean(changed) >= CUT_SHARE:
            found.add(t)
    return found


def _wanted(t: float, tolerance: float) -> list[float]:
    """The sample times the onset search around ``t`` needs."""
    steps, lead = round(tolerance / STEP_S), round(BEFORE_S / STEP_S)
    first = t - (steps + lead) * STEP_S
    count = 2 * steps + lead + round((SETTLE_S + HOLD_S) / STEP_S) + 1
    return [round(first + k * STEP_S, 6) for k in range(count)]


def _search(
    frames: dict[float, np.ndarray],
    t: float,
    tolerance: float,
    span: tuple[float, float],
    cut_at: set[float],
) -> _Window | None:
    """Maps every onset within ``t +- tolerance`` and inside ``span`` (decoded ``frames`` by
    sample time), except onsets with a hard cut (``cut_at``) between the last frame before and
    the first held one: across a cut everything "appears", and the HUD of another round held
    still for a second looks like a sign. None when no onset is left."""
    steps = round(tolerance / STEP_S)
    onsets = []
    for j in range(-steps, steps + 1):
        tau = round(t + j * STEP_S, 6)
        if not span[0] < tau <= span[1]:
            continue
        before = [f for w, f in frames.items() if tau - BEFORE_S - 1e-6 <= w <= tau - GUARD_S]
        held = (tau + SETTLE_S - 1e-6, tau + SETTLE_S + HOLD_S + 1e-6)
        after = [f for w, f in frames.items() if held[0] <= w <= held[1]]
        if len(before) < 2 or len(after) < min(MIN_HELD, round(HOLD_S / STEP_S) + 1):
            continue
        if any(tau - GUARD_S + 1e-6 < c < held[0] + 2e-6 for c in cut_at):
            continue
        found = change_map(before, after)
        if tolerance > 0 and NEAR_WEIGHT > 0:
            # The mark is a hint: an onset a full tolerance away counts NEAR_WEIGHT less.
            found = cv2.convertScaleAbs(found, alpha=1.0 - NEAR_WEIGHT * abs(tau - t) / tolerance)
        onsets.append((tau, found))
    if not onsets:
        return None
    best = onsets[0][1]
    for _, m in onsets[1:]:
        best = cv2.max(best, m)
    return _Window(t, best, onsets)


def _control_times(video: _Video, moments: Sequence[float]) -> list[float]:
    """Up to CONTROLS times spread over the video, each CONTROL_GAP_S from every mark and with
    room for its windows."""
    lo = CONTROL_TOLERANCE_S + BEFORE_S
    hi = video.duration - CONTROL_TOLERANCE_S - SETTLE_S - MIN_HELD * STEP_S
    if not np.isfinite(hi) or hi <= lo:
        return []
    grid = np.arange(lo, hi + 1e-6, STEP_S)
    free = [float(c) for c in grid if all(abs(c - m) >= CONTROL_GAP_S for m in moments)]
    if len(free) <= CONTROLS:
        picks = free
    else:
        picks = [free[round(i)] for i in np.linspace(0, len(free) - 1, CONTROLS)]
    return [round(c, 3) for c in picks]


def penalty(controls: list[np.ndarray]) -> np.ndarray | None:
    """What appears at half the control times or more, and at two at least (per pixel, the
    value that many of them reach): a clock or an ammo counter does; a kill nobody marked, at
    one control, does not."""
    if not controls:
        return None
    n = len(controls)
    need = min(n, max(2, -(-n // 2)))
    return np.sort(np.stack(controls), axis=0)[n - need]


def _stacked(m: np.ndarray) -> np.ndarray:
    """The map spread STACK_SHIFT of its height up and down (and 1 px sideways)."""
    shift = max(1, round(STACK_SHIFT * m.shape[0]))
    return cv2.dilate(m, np.ones((2 * shift + 1, 3), np.uint8))


def consensus(maps: list[np.ndarray]) -> tuple[list, int | None, int]:
    """The regions that appeared after every moment, or, with three or more moments, after all
    but one of them when that is clearly better: one moment marked far off, or a flash at one
    moment, does not spoil the box the others agree on. Each moment in turn is the reference:
    its own map, limited to where every other moment's map (spread up and down by a feed slot)
    shows something too, so the box is where the sign sat at that moment.

    Returns (regions, the moment left out or None, the reference moment).

    Leaving a moment out is decided per region, not per pixel: a per-pixel median lets in
    background that happens to change at two of the three moments.
    """
    stacked = [_stacked(m) for m in maps]

    def best_of(members: list[int]) -> tuple[list, int]:
        found, ref = [], members[0]
        for i in members:
            others = [stacked[j] for j in members if j != i]
            combined = np.min([maps[i], *others], axis=0) if others else maps[i]
            regions = _regions(combined)
            if regions and (not found or regions[0][1] > found[0][1]):
                found, ref = regions, i
        return found, ref

    everyone = list(range(len(maps)))
    full, full_ref = best_of(everyone)
    if len(maps) < 3:
        return full, None, full_ref
    loo = []
    for skip in everyone:
        found, ref = best_of([i for i in everyone if i != skip])
        if found and found[0][2] >= LEAVE_ONE_OUT_MIN * 255:
            loo.append((found[0][2], skip, found, ref))
    if not loo:
        return full, None, full_ref
    mean, skip, found, ref = max(loo, key=lambda r: r[0])
    if not full or mean >= LEAVE_ONE_OUT_GAIN * full[0][2]:
        return found, skip, ref
    return full, None, full_ref


def _regions(combined: np.ndarray) -> list[tuple[tuple[int, int, int, int], float, float]]:
    """Connected regions of the combined map: (box at map scale, rank, mean), best first. The
    rank is the summed strength, scaled down for boxes above COMPACT_AREA of the frame."""
    peak = float(combined.max())
    if peak < 12:
        return []
    mask = (combined >= max(12.0, 0.25 * peak)).astype(np.uint8)
    # Close gaps between the glyphs of one line of text, not between separate HUD elements.
    kw = max(3, combined.shape[1] // 80)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((max(3, kw // 2), kw), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    frame_area = combined.shape[0] * combined.shape[1]
    found: list = []
    for i in range(1, count):
        inside = (labels == i) & (mask > 0)
        if inside.sum() < 4:
            continue
        ys, xs = np.nonzero(inside)
        x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        box = (int(x0), int(y0), int(x1 - x0), int(y1 - y0))
        if min(box[2], box[3]) < MIN_SIDE:
            continue  # a sliver along an edge of the scene, not a sign
        mean = float(combined[y0:y1, x0:x1].mean())
        found.append((box, _rank(box, mean, frame_area), mean))
    found = _lines(found, combined)
    found.sort(key=lambda r: r[1], reverse=True)
    return found


def _lines(found: list, combined: np.ndarray) -> list:
    """Joins regions that sit on the same rows close beside each other into one line (a kill-feed
    line is a portrait, a name, a weapon icon and a name, with gaps that changed less between
    them), recomputing the rank and mean over the joined box."""
    boxes = [r[0] for r in found]
    joined = True
    while joined:
        joined = False
        for a in range(len(boxes)):
            for b in range(a + 1, len(boxes)):
                ax, ay, aw, ah = boxes[a]
                bx, by, bw, bh = boxes[b]
                rows = min(ay + ah, by + bh) - max(ay, by)
                gap = max(ax, bx) - min(ax + aw, bx + bw)
                if rows >= LINE_OVERLAP * min(ah, bh) and gap <= LINE_GAP * max(ah, bh):
                    x0, y0 = min(ax, bx), min(ay, by)
                    x1, y1 = max(ax + aw, bx + bw), max(ay + ah, by + bh)
                    boxes[a] = (x0, y0, x1 - x0, y1 - y0)
                    del boxes[b]
                    joined = True
                    break
            if joined:
                break
    if len(boxes) == len(found):
        return found
    frame_area = combined.shape[0] * combined.shape[1]
    out = []
    for x, y, w, h in boxes:
        mean = float(combined[y : y + h, x : x + w].mean())
        out.append(((x, y, w, h), _rank((x, y, w, h), mean, frame_area), mean))
    return out


def _rank(box: tuple[int, int, int, int], mean: float, frame_area: int) -> float:
    """How good a proposal the region is: clear (its mean change, squared) and big enough to
    hold a sign (the square root of its area), and not sprawling (ranked down in proportion
    above COMPACT_AREA of the frame). A loose blob of a fighter who stood still scores a low
    mean over a large box; a score counter or a feed line a high one over a small box."""
    area = float(box[2] * box[3])
    return (mean / 255.0) ** 2 * np.sqrt(area) * min(1.0, COMPACT_AREA * frame_area / area)


def discover(video: str | Path, moments_s: Sequence[float]) -> Proposal:
    """Proposes the indicator box from the moments (frame-index seconds) an event happened; each
    may be up to TOLERANCE_S before or after the frame where its sign appears.

    Raises:
        DiscoveryError: fewer than two moments, a moment with no room for its windows, an
            unreadable video, or nothing that appeared at every moment.
    """
    moments = sorted(float(t) for t in moments_s)
    if len(moments) < MIN_MOMENTS:
        raise DiscoveryError(f"mark at least {MIN_MOMENTS} moments (3 is better)")
    info = _open(Path(video))
    controls_s = _control_times(info, moments)
    wanted = [w for t in moments for w in _wanted(t, TOLERANCE_S)]
    wanted += [w for c in controls_s for w in _wanted(c, CONTROL_TOLERANCE_S)]
    frames = _decode_at(info, wanted)
    cut_at = cuts(frames)
    windows = []
    for i, t in enumerate(moments):
        # Two moments never share an onset: each searches up to half-way to its neighbours.
        lo = (moments[i - 1] + t) / 2 if i else -np.inf
        hi = (t + moments[i + 1]) / 2 if i + 1 < len(moments) else np.inf
        window = _search(frames, t, TOLERANCE_S, (lo, hi), cut_at)
        if window is None:
            raise DiscoveryError(
                f"the moment at {t:.2f} s is too close to the start or end of the video"
            )
        windows.append(window)
    whole = (-np.inf, np.inf)
    controls = [
        w.best for c in controls_s if (w := _search(frames, c, CONTROL_TOLERANCE_S, whole, cut_at))
    ]
    against = penalty(controls)
    maps = [w.best if against is None else cv2.subtract(w.best, against) for w in windows]
    regions, skipped, ref = consensus(maps)
    if not regions:
        raise DiscoveryError(
            "nothing appeared in the same place after the moments: mark the frames where the "
            "event happens, within a second of its sign showing"
        )
    inv = 1.0 / info.scale

    def to_video(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        x, y, w, h = box
        x0, y0 = max(0, int(x * inv) - 1), max(0, int(y * inv) - 1)
        x1 = min(info.width, int(np.ceil((x + w) * inv)) + 1)
        y1 = min(info.height, int(np.ceil((y + h) * inv)) + 1)
        return (x0, y0, x1 - x0, y1 - y0)

    def onsets_of(box: tuple[int, int, int, int]) -> list[float]:
        """Per moment, the onset where the box (at the other moments, the rows a feed slot
        up or down) appeared most clearly."""
        x, y, w, h = box
        found = []
        for i, window in enumerate(windows):
            shift = 0 if i == ref else max(1, round(STACK_SHIFT * window.best.shape[0]))
            area = (slice(max(0, y - shift), y + h + shift), slice(x, x + w))
            means = [float(m[area].mean()) for _, m in window.onsets]
            found.append(window.onsets[int(np.argmax(means))][0])
        return found

    def distinct(onsets: list[float]) -> bool:
        """Two moments' onsets this close are one change seen from both (marks less than two
        tolerances apart share part of their search): not a sign that came back."""
        used = [t for i, t in enumerate(onsets) if i != skipped]
        return all(b - a >= SAME_EVENT_S for a, b in zip(used, used[1:], strict=False))

    kept = [(r, o) for r in regions if distinct(o := onsets_of(r[0]))]
    if not kept:
        raise DiscoveryError(
            "the moments are too close together to tell their signs apart: mark moments at "
            f"least {2 * TOLERANCE_S:.0f} s apart"
        )
    (best, _, best_mean), onsets = kept[0]
    ignored = None if skipped is None else moments[skipped]
    return Proposal(
        box=to_video(best),
        score=best_mean / 255.0,
        reference_time_s=onsets[ref] + SETTLE_S,
        reference_moment=ref,
        candidates=[(to_video(b), m / 255.0) for (b, _, m), _ in kept[1:6]],
        ignored_moment_s=ignored,
        onsets_s=onsets,
        controls_s=controls_s,
    )


def iou(a: Sequence[int], b: Sequence[int]) -> float:
    """Intersection over union of two [x, y, w, h] boxes (how tests and benchmarks score a
    proposal against a box read off the frame)."""
    iw = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def main(argv: Sequence[str]) -> int:
    """``python -m detectors.discover VIDEO T1 T2 [T3 ...]``: prints the proposal as JSON."""
    if len(argv) < 1 + MIN_MOMENTS:
        print(
            "usage: python -m detectors.discover VIDEO T1 T2 [T3 ...]  (seconds)", file=sys.stderr
        )
        return 2
    try:
        proposal = discover(argv[0], [float(a) for a in argv[1:]])
    except ValueError as exc:  # DiscoveryError, or a time that is not a number
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(proposal.to_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
