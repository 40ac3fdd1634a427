"""Generated footage for indicator discovery: a HUD line appears at known moments over a panning,
noisy scene with a walking "fighter" and a one-off flash (exact truth: the line's box)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from detectors.synth import frame_times, write_video

SIZE = (640, 360)
TRUE_BOX = (452, 40, 150, 26)  # the HUD line: [x, y, w, h]
MOMENTS = (2.0, 5.5, 9.0)
SHOWN_S = 1.5
FLASH_BOX = (150, 120, 180, 80)  # a white flash shown at the first moment only
FPS = 20


def iou(a, b) -> float:
    """Intersection over union of two [x, y, w, h] boxes."""
    iw = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _draw(t: float, scene: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    w, _h = SIZE
    shift = int(t * 90) % w  # the camera pans 90 px/s
    img = scene[:, shift : shift + w].copy()
    cx = int(320 + 200 * np.sin(t * 1.3))  # a fighter walking about
    cv2.circle(img, (cx, 250), 40, (40, 200, 240), -1)
    if MOMENTS[0] <= t < MOMENTS[0] + 1.0:
        x, y, fw, fh = FLASH_BOX
        cv2.rectangle(img, (x, y), (x + fw - 1, y + fh - 1), (255, 255, 255), -1)
    if any(m <= t < m + SHOWN_S for m in MOMENTS):
        x, y, bw, bh = TRUE_BOX
        cv2.rectangle(img, (x, y), (x + bw - 1, y + bh - 1), (20, 20, 30), -1)
        cv2.rectangle(img, (x, y), (x + bw - 1, y + bh - 1), (0, 0, 230), 2)
        cv2.putText(img, "YOU > enemy", (x + 8, y + 19), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                    (240, 240, 240), 1, cv2.LINE_AA)  # fmt: skip
    return cv2.add(img, rng.integers(0, 12, size=img.shape, dtype=np.uint8))


def make_hud_footage(path: Path, seconds: float = 11.0) -> Path:
    """Writes the footage (H.264, 20 fps) to ``path``."""
    rng = np.random.default_rng(7)
    small = rng.integers(30, 220, size=(12, 40, 3), dtype=np.uint8)
    scene = cv2.resize(small, (SIZE[0] * 2, SIZE[1]), interpolation=cv2.INTER_NEAREST)
    write_video(path, frame_times(seconds, FPS, vfr=False), SIZE, lambda t: _draw(t, scene, rng))
    return path
