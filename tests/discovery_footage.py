"""Generated footage for indicator discovery: a HUD line appears at known moments over a panning,
noisy scene with a walking "fighter" and a one-off flash (exact truth: the line's box)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from detectors.discover import iou as iou  # the tests import it from here
from detectors.synth import frame_times, write_video

SIZE = (640, 360)
TRUE_BOX = (452, 40, 150, 26)  # the HUD line: [x, y, w, h]
MOMENTS = (2.0, 5.5, 9.0)
SHOWN_S = 1.5
FLASH_BOX = (150, 120, 180, 80)  # a white flash shown at the first moment only
FPS = 20


def _scene(rng: np.random.Generator) -> np.ndarray:
    """A random block scene twice the frame's width, for the camera to pan over."""
    small = rng.integers(30, 220, size=(12, 40, 3), dtype=np.uint8)
    return cv2.resize(small, (SIZE[0] * 2, SIZE[1]), interpolation=cv2.INTER_NEAREST)


def _panned(scene: np.ndarray, t: float, fighter: bool = True) -> np.ndarray:
    w, _h = SIZE
    shift = int(t * 90) % w  # the camera pans 90 px/s
    img = scene[:, shift : shift + w].copy()
    if fighter:
        cx = int(320 + 200 * np.sin(t * 1.3))  # a fighter walking about
        cv2.circle(img, (cx, 250), 40, (40, 200, 240), -1)
    return img


def _hud_line(img: np.ndarray) -> None:
    x, y, bw, bh = TRUE_BOX
    cv2.rectangle(img, (x, y), (x + bw - 1, y + bh - 1), (20, 20, 30), -1)
    cv2.rectangle(img, (x, y), (x + bw - 1, y + bh - 1), (0, 0, 230), 2)
    cv2.putText(img, "YOU > enemy", (x + 8, y + 19), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                (240, 240, 240), 1, cv2.LINE_AA)  # fmt: skip


def _noisy(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return cv2.add(img, rng.integers(0, 12, size=img.shape, dtype=np.uint8))


def _draw(t: float, scene: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    img = _panned(scene, t)
    if MOMENTS[0] <= t < MOMENTS[0] + 1.0:
        x, y, fw, fh = FLASH_BOX
        cv2.rectangle(img, (x, y), (x + fw - 1, y + fh - 1), (255, 255, 255), -1)
    if any(m <= t < m + SHOWN_S for m in MOMENTS):
        _hud_line(img)
    return _noisy(img, rng)


def make_hud_footage(path: Path, seconds: float = 11.0) -> Path:
    """Writes the footage (H.264, 20 fps) to ``path``."""
    rng = np.random.default_rng(7)
    scene = _scene(rng)
    write_video(path, frame_times(seconds, FPS, vfr=False), SIZE, lambda t: _draw(t, scene, rng))
    return path


# Busy footage: the same HUD line, now staying like a kill feed, among distractors that also
# "appear after and not before" a marked moment.
BUSY_KILLS = (3.0, 8.0, 13.0)  # where the line appears
BUSY_SHOWN_S = 3.0
# Where a coach marked them: late, early, late (0.4-0.5 s off). A clock tick falls inside each
# mark's old before/after gap, so discovery without an onset search proposes the clock.
BUSY_MARKS = (3.5, 7.5, 13.4)
CLOCK_BOX = (285, 6, 70, 26)  # "0:SS", ticking every second at k + 0.5 s
MINIMAP_BOX = (8, 8, 112, 112)  # dots jumping every 0.3 s
# A counter on a panel that changes colour at every kill and at other times too: without control
# times it is the stronger sign.
AMMO_BOX = (440, 270, 190, 80)
AMMO_CHANGES = (3.0, 5.5, 8.0, 10.5, 13.0)


def _draw_busy(t: float, scene: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    img = _panned(scene, t)
    x, y, cw, ch = CLOCK_BOX
    cv2.rectangle(img, (x, y), (x + cw - 1, y + ch - 1), (30, 30, 30), -1)
    secs = 59 - int(t - 0.5) if t >= 0.5 else 59
    cv2.putText(img, f"0:{secs:02d}", (x + 6, y + 20), cv2.FONT_HERSHEY_SIMPLEX, 0.65,
                (255, 255, 255), 2, cv2.LINE_AA)  # fmt: skip
    x, y, mw, mh = MINIMAP_BOX
    cv2.rectangle(img, (x, y), (x + mw - 1, y + mh - 1), (60, 90, 60), -1)
    dots = np.random.default_rng(int(t / 0.3)).integers(6, mw - 6, size=(6, 2))
    for dx, dy in dots:
        cv2.circle(img, (x + int(dx), y + int(dy)), 4, (0, 220, 255), -1)
    x, y, aw, ah = AMMO_BOX
    changes = sum(t >= c for c in AMMO_CHANGES)
    ammo = 30 - changes * 4
    panel = ((230, 60, 20), (20, 60, 230))[changes % 2]  # it flashes its colour at each change
    cv2.rectangle(img, (x, y), (x + aw - 1, y + ah - 1), panel, -1)
    cv2.putText(img, f"{ammo:02d}/90", (x + 6, y + 62), cv2.FONT_HERSHEY_SIMPLEX, 1.8,
                (255, 255, 255), 5, cv2.LINE_AA)  # fmt: skip
    if any(k <= t < k + BUSY_SHOWN_S for k in BUSY_KILLS):
        _hud_line(img)
    return _noisy(img, rng)


def make_busy_footage(path: Path, seconds: float = 16.0) -> Path:
    """Writes the busy footage (H.264, 20 fps) to ``path``: the HUD line at BUSY_KILLS, a clock,
    a minimap and an ammo counter."""
    rng = np.random.default_rng(11)
    scene = _scene(rng)
    write_video(
        path, frame_times(seconds, FPS, vfr=False), SIZE, lambda t: _draw_busy(t, scene, rng)
    )
    return path


def make_plain_footage(path: Path, seconds: float = 6.0) -> Path:
    """Writes footage with nothing that appears and holds: the panning, noisy scene alone."""
    rng = np.random.default_rng(5)
    scene = _scene(rng)

    def draw(t: float) -> np.ndarray:
        return _noisy(_panned(scene, t, fighter=False), rng)

    write_video(path, frame_times(seconds, FPS, vfr=False), SIZE, draw)
    return path
