"""Indicator discovery: from a few moments marked "a kill happened here", propose the box.

A HUD indicator is what *appears* just after each moment, *stays put* while it is shown, and does
so in the same place every time. For each moment we decode a few frames shortly before and a few
shortly after, and score every pixel by how far the after-frames differ from every before-frame
minus how much the after-frames differ among themselves (a moving camera, particles and fighters
change between after-frames too, so they score low; a kill-feed line or a medal does not). The
per-moment maps are combined so that only a region that appeared at every moment but at most one
survives (a one-off flash, a hard cut or a character walking in does not; see :func:`consensus`),
and the strongest connected region is the proposal.

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

# Windows around each moment (seconds, frame-index time): the indicator is expected to be absent
# in [t - BEFORE_S, t - GUARD_S] and present, unchanging, in [t + SETTLE_S, t + SETTLE_S + HOLD_S].
BEFORE_S = 0.5
GUARD_S = 0.1
SETTLE_S = 0.25
HOLD_S = 0.5
FRAMES_PER_WINDOW = 4
WORK_WIDTH = 640  # maps are computed at this width at most: enough for a HUD box, and fast
MIN_MOMENTS = 2
# A region found with one moment left out must be this many times clearer (mean change in its
# box) than the best one found with all of them to win.
LEAVE_ONE_OUT_GAIN = 2.0
# ...and at least this clear (score 0-1): two moments agree on background change far more often
# than three do (measured: 0.16 for a moving character, 0.28-0.39 for HUD lines).
LEAVE_ONE_OUT_MIN = 0.2


class DiscoveryError(ValueError):
    """Discovery cannot run on this input; the message is one line for a person."""


@dataclass(frozen=True)
class Proposal:
    """A proposed indicator box.

    Attributes:
        box: [x, y, w, h] in the video's pixels.
        score: 0-1: how clearly the region appeared at the weakest of the moments (mean of the
            combined change map inside the box, over 255).
        reference_time_s: Frame-index time of the frame to cut the reference from (the first
            after-frame of the moment where the region appeared most clearly).
        reference_moment: Which of the given moments that frame belongs to (0-based).
        candidates: The other regions found, as ([x, y, w, h], score), best first.
        ignored_moment_s: The moment left out because the others agreed far more clearly
            without it (see :func:`consensus`), or None.
    """

    box: tuple[int, int, int, int]
    score: float
    reference_time_s: float
    reference_moment: int
    candidates: list[tuple[tuple[int, int, int, int], float]] = field(default_factory=list)
    ignored_moment_s: float | None = None

    def to_dict(self) -> dict:
        """The JSON form the site and the command line print."""
        return {
            "box": list(self.box),
            "score": round(self.score, 3),
            "reference_time_s": round(self.reference_time_s, 4),
            "reference_moment": self.reference_moment,
            "candidates": [{"box": list(b), "score": round(s, 3)} for b, s in self.candidates],
            "ignored_moment_s": self.ignored_moment_s,
        }


def _window_times(t: float) -> tuple[np.ndarray, np.ndarray]:
    before = np.linspace(t - BEFORE_S, t - GUARD_S, FRAMES_PER_WINDOW)
    after = np.linspace(t + SETTLE_S, t + SETTLE_S + HOLD_S, FRAMES_PER_WINDOW)
    return before, after


def _decode_at(path: Path, wanted: Sequence[float], scale: float | None) -> list[tuple]:
    """Decodes, in one forward pass from the key frame before ``wanted[0]``, the frame shown at
    each wanted time; returns [(time_s, rgb float32 at the working scale)] (times that fall
    outside the video are dropped)."""
    out: list[tuple] = []
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.codec_context.thread_type = "AUTO"
            tb = float(stream.time_base)
            start = stream.start_time or 0
            first = max(0.0, wanted[0])
            container.seek(start + int(first / tb), stream=stream, backward=True, any_frame=False)
            pending = sorted(w for w in wanted if w >= 0)
            prev = None
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                t = (frame.pts - start) * tb
                while pending and t > pending[0] + 1e-4:  # prev is the frame shown then
                    if prev is not None:
                        out.append((prev[0], _prepare(prev[1], scale)))
                    pending.pop(0)
                if not pending:
                    break
                prev = (t, frame)
            if pending and prev is not None:  # the video ended: the last frame is still shown
                out.append((prev[0], _prepare(prev[1], scale)))
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        raise DiscoveryError(f"cannot decode {path.name}: {exc}") from exc
    return out


def _prepare(frame: av.VideoFrame, scale: float | None) -> np.ndarray:
    rgb = frame.to_ndarray(format="rgb24")
    if scale is not None and scale < 1.0:
        size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(rgb, (3, 3), 0).astype(np.float32)


def _video_size(path: Path) -> tuple[int, int]:
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise DiscoveryError(f"{path.name} has no video track")
            ctx = container.streams.video[0].codec_context
            return int(ctx.width), int(ctx.height)
    except (av.error.FFmpegError, OSError) as exc:
        raise DiscoveryError(f"cannot open {path.name}: {exc}") from exc


def change_map(before: list[np.ndarray], after: list[np.ndarray]) -> np.ndarray:
    """Per pixel (0-255): how much the after-frames differ from the *closest* before-frame, less
    twice how much they differ among themselves. High only where something new appeared and then
    held still."""
    mean_after = np.mean(after, axis=0)
    spread = np.max([np.abs(a - mean_after).max(axis=2) for a in after], axis=0)
    change = np.min([np.abs(mean_after - b).max(axis=2) for b in before], axis=0)
    return np.clip(change - 2.0 * spread, 0, 255)


def consensus(maps: list[np.ndarray]) -> tuple[list, int | None]:
    """The regions that appeared after every moment (the per-pixel minimum of the maps), or,
    with three or more moments, after all but one of them when that is clearly better: one moment
    marked a little off, or a kill line that stacked into the next slot of the feed, does not
    spoil the box the others agree on. Returns (regions, the moment left out or None).

    Leaving a moment out is decided per region, not per pixel: a per-pixel median lets in
    background that happens to change at two of the three moments.
    """
    full = _regions(np.min(maps, axis=0))
    if len(maps) < 3:
        return full, None
    loo = []
    for skip in range(len(maps)):
        found = _regions(np.min([m for i, m in enumerate(maps) if i != skip], axis=0))
        if found and found[0][2] >= LEAVE_ONE_OUT_MIN * 255:
            loo.append((found[0][2], skip, found))
    if not loo:
        return full, None
    mean, skip, found = max(loo, key=lambda r: r[0])
    if not full or mean >= LEAVE_ONE_OUT_GAIN * full[0][2]:
        return found, skip
    return full, None


def _regions(combined: np.ndarray) -> list[tuple[tuple[int, int, int, int], float, float]]:
    """Connected regions of the combined map: (box at map scale, summed strength, mean)."""
    peak = float(combined.max())
    if peak < 12:
        return []
    mask = (combined >= max(12.0, 0.25 * peak)).astype(np.uint8)
    # Close gaps between the glyphs of one line of text, not between separate HUD elements.
    kw = max(3, combined.shape[1] // 80)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((max(3, kw // 2), kw), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    found = []
    for i in range(1, count):
        x, y, w, h, _area = stats[i]
        inside = (labels == i) & (mask > 0)
        if inside.sum() < 4:
            continue
        ys, xs = np.nonzero(inside)
        x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        strength = float(combined[inside].sum())
        mean = float(combined[y0:y1, x0:x1].mean())
        found.append(((int(x0), int(y0), int(x1 - x0), int(y1 - y0)), strength, mean))
    found.sort(key=lambda r: r[1], reverse=True)
    return found


def discover(video: str | Path, moments_s: Sequence[float]) -> Proposal:
    """Proposes the indicator box from the moments (frame-index seconds) an event happened.

    Raises:
        DiscoveryError: fewer than two moments, moments too close to share no window, an
            unreadable video, or nothing that appeared at every moment.
    """
    path = Path(video)
    moments = sorted(float(t) for t in moments_s)
    if len(moments) < MIN_MOMENTS:
        raise DiscoveryError(f"mark at least {MIN_MOMENTS} moments (3 is better)")
    width, height = _video_size(path)
    scale = min(1.0, WORK_WIDTH / width)
    maps, firsts = [], []
    for t in moments:
        before_t, after_t = _window_times(t)
        frames = _decode_at(path, [*before_t, *after_t], scale)
        before = [f for ft, f in frames if ft < t]
        after = [f for ft, f in frames if ft > t]
        if not before or len(after) < 2:
            raise DiscoveryError(
                f"the moment at {t:.2f} s is too close to the start or end of the video"
            )
        maps.append(change_map(before, after))
        firsts.append(min(ft for ft, _ in frames if ft > t))
    regions, skipped = consensus(maps)
    if not regions:
        raise DiscoveryError(
            "nothing appeared in the same place after the moments: mark the frames where the "
            "event happens, just before its sign shows"
        )
    inv = 1.0 / scale

    def to_video(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        x, y, w, h = box
        x0, y0 = max(0, int(x * inv) - 1), max(0, int(y * inv) - 1)
        x1, y1 = (
            min(width, int(np.ceil((x + w) * inv)) + 1),
            min(height, int(np.ceil((y + h) * inv)) + 1),
        )
        return (x0, y0, x1 - x0, y1 - y0)

    best, _, best_mean = regions[0]
    x, y, w, h = best
    per_moment = [float(m[y : y + h, x : x + w].mean()) for m in maps]
    if skipped is not None:
        per_moment[skipped] = -1.0  # never cut the reference at the moment left out
    ref = int(np.argmax(per_moment))
    ignored = None if skipped is None else moments[skipped]
    return Proposal(
        box=to_video(best),
        score=best_mean / 255.0,
        reference_time_s=firsts[ref],
        reference_moment=ref,
        candidates=[(to_video(b), m / 255.0) for b, _, m in regions[1:6]],
        ignored_moment_s=ignored,
    )


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
