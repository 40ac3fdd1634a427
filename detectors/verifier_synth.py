"""Generated footage with look-alikes template matching confuses, for the verifier's tests and
benchmark.

The kill feed of ``detectors.synth`` with two kinds of other players' lines besides your own
kills: *rivals*, the very same "YOU  X  ENEMY" line with a grey outline instead of your
highlighted one (as in CS:GO, where only the outline marks your own kills; luma correlation
scores them close to the real thing), and *allies*, "ALLY  X  ENEMY" lines (score a little
under the threshold; candidates once the threshold is lowered).

The feed can be drawn at another HUD scale than the reference screenshot's (``hud_scale``, as a
game's HUD-scale setting does: anchored to the screen's top-right corner), so training and
detection meet the per-video scale search of ``detectors.scale_search``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from detectors.events import Event
from detectors.synth import (
    FEED_S,
    _background,
    _draw_feed_line,
    _Layout,
    _truth,
    _write_profile,
    frame_times,
    write_video,
)
from detectors.verifier_training import Example

RIVAL_EDGE = (110, 110, 110)


@dataclass(frozen=True)
class _HudLayout(_Layout):
    """``detectors.synth``'s layout with the kill feed scaled by a HUD-scale setting."""

    hud_scale: float = 1.0

    @property
    def line(self) -> tuple[int, int, int, int]:
        x, y, w, h = super().line
        s = self.hud_scale
        # The feed keeps its distance to the top-right corner in HUD units.
        gap = self.width - (x + w)
        sw, sh = round(w * s), round(h * s)
        return round(self.width - gap * s) - sw, round(y * s), sw, sh


@dataclass(frozen=True)
class ConfuserMatch:
    """A generated match: files, true kills and the look-alikes' times."""

    video: Path
    profile: Path
    labels: Path
    kills: list[Event]
    rivals: list[float]
    allies: list[float]


def _draw_rival(img: np.ndarray, lay: _Layout, slot: int) -> None:
    _draw_feed_line(img, lay, slot, own=True)
    x, y, w, h = lay.line
    y += slot * int(h * 1.2)
    cv2.rectangle(img, (x, y), (x + w, y + h), RIVAL_EDGE, max(1, h // 12))


def render(
    size: tuple[int, int],
    t: float,
    feed: Sequence[tuple[float, str]],
    scene: np.ndarray,
    noise: np.ndarray | None,
    brightness: float,
    hud_scale: float = 1.0,
) -> np.ndarray:
    """The frame at ``t``: the scrolling scene and the feed lines on screen (BGR)."""
    w, _h = size
    lay = _HudLayout(*size, hud_scale)
    shift = int(t * w * 0.15) % w
    img = scene[:, shift : shift + w].copy()
    shown = [what for start, what in feed if start <= t < start + FEED_S]
    for slot, what in enumerate(shown[-4:]):
        if what == "rival":
            _draw_rival(img, lay, slot)
        else:
            _draw_feed_line(img, lay, slot, own=what == "kill")
    if noise is not None:
        img = cv2.add(img, noise)
    if brightness != 1.0:
        img = cv2.convertScaleAbs(img, alpha=brightness)
    return img


def make_confuser_match(
    out_dir: Path,
    *,
    kills: Sequence[float],
    rivals: Sequence[float] = (),
    allies: Sequence[float] = (),
    duration_s: float = 20.0,
    fps: float = 30.0,
    size: tuple[int, int] = (1280, 720),
    brightness: float = 1.0,
    hud_scale: float = 1.0,
    name: str = "confusers",
    seed: int = 0,
) -> ConfuserMatch:
    """Writes a match with own kills, rival and ally lines; its profile and its kill labels.

    The profile's reference screenshot is 1080p at HUD scale 1 whatever ``size`` and
    ``hud_scale`` are, and its indicators keep the default ``scale`` range: detection (and the
    verifier's training) find the feed's scale and place per video.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    scene = _background(size, seed)
    w, h = size
    noises = [rng.integers(0, 14, size=(h, w, 3), dtype=np.uint8) for _ in range(4)]
    feed = sorted(
        [(k, "kill") for k in kills]
        + [(r, "rival") for r in rivals]
        + [(a, "ally") for a in allies]
    )
    times = frame_times(duration_s, fps, False, seed)
    counter = iter(range(len(times)))

    def draw(t: float) -> np.ndarray:
        return render(size, t, feed, scene, noises[next(counter) % 4], brightness, hud_scale)

    video = out_dir / f"{name}.mp4"
    write_video(video, times, size, draw)
    profile = _write_profile(out_dir, name, (1920, 1080), seed)
    events = _truth(times, kills, "kill")
    labels = out_dir / f"{name}.labels.json"
    labels.write_text(json.dumps([e.to_dict() for e in events], indent=1))
    return ConfuserMatch(video, profile, labels, events, list(rivals), list(allies))


def spaced_times(
    rng: np.random.Generator, count: int, duration_s: float, gap_s: float
) -> list[float]:
    """``count`` times in (0.5, duration - 2.5), ``gap_s`` apart (fewer if they do not fit)."""
    slots = np.arange(0.5, duration_s - 2.5, gap_s)
    pick = rng.choice(len(slots), size=min(count, len(slots)), replace=False)
    return sorted(round(float(slots[i]), 2) for i in pick)


def corrections_of(match: ConfuserMatch) -> list[Example]:
    """The corrections a coach would make: own kills confirmed, look-alikes rejected."""
    stem = match.video.stem
    out = [Example("kill", e.time_s, True, f"{stem}:k{e.time_s}") for e in match.kills]
    out += [Example("kill", t, False, f"{stem}:r{t}") for t in match.rivals]
    out += [Example("kill", t, False, f"{stem}:a{t}") for t in match.allies]
    return out
