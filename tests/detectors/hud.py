"""A CS:GO-style kill feed drawn with OpenCV, at any HUD scale, aspect ratio or stream inset.

Your own kills are feed lines with a red outline; other players' kills are the same line with a
grey outline of the same luma, so only colour tells them apart. One reference screenshot (1080p,
HUD scale 1) serves every video: the tests check that detection finds the HUD wherever and at
whatever size a video shows it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from detectors.synth import _background, frame_times, write_video
from detectors.video import SampledFrame

REF_SIZE = (1920, 1080)
LINE_W, LINE_H = 520, 40  # a feed line at 1080p, HUD scale 1
RED = (40, 40, 220)
# BT.601 luma of RED (0.114 B + 0.587 G + 0.299 R = 93.8): luma alone cannot tell the lines apart.
GREY = (94, 94, 94)
# A filled line's colours (Valorant's style: the whole line is a colour bar): teal, and a grey
# of the same BT.601 luma (0.114 * 150 + 0.587 * 170 + 0.299 * 40 = 128.9).
TEAL = (150, 170, 40)
TEAL_GREY = (129, 129, 129)
SHOWN_S = 1.5
_FONT = cv2.FONT_HERSHEY_DUPLEX


@dataclass(frozen=True)
class Screen:
    """Where the game is drawn in the video and at what HUD scale.

    Attributes:
        size: The video's (width, height).
        game: (x, y, w, h) of the game picture in the video (the whole frame unless inset).
        hud_scale: The game's HUD-scale setting (1.0 = as in the reference).
        filled: Feed lines are colour bars (yours teal, others grey) instead of a dark fill
            with a thin outline (yours red, others grey).
    """

    size: tuple[int, int]
    game: tuple[int, int, int, int]
    hud_scale: float = 1.0
    filled: bool = False

    @classmethod
    def full(cls, size: tuple[int, int], hud_scale: float = 1.0, *, filled: bool = False) -> Screen:
        return cls(size, (0, 0, *size), hud_scale, filled)

    @property
    def unit(self) -> float:
        """HUD pixels per reference pixel: the HUD follows the game's height and its setting."""
        return self.game[3] / REF_SIZE[1] * self.hud_scale

    def line_box(self, slot: int = 0) -> tuple[int, int, int, int]:
        """(x, y, w, h) of a feed line: anchored to the game's top-right corner, stacking down."""
        gx, gy, gw, _gh = self.game
        s = self.unit
        w, h = round(LINE_W * s), round(LINE_H * s)
        x = gx + gw - round(24 * s) - w
        y = gy + round(70 * s) + slot * round(LINE_H * 1.25 * s)
        return x, y, w, h


def draw_line(
    img: np.ndarray, box: tuple[int, int, int, int], own: bool, fill: int = 28, *, filled=False
) -> None:
    """One feed line: "Ph4ntom [gun] Vex" on a dark fill; red outline if it is your kill.

    ``filled``: on a colour bar instead, teal if it is your kill (grey of the same luma if not).
    """
    x, y, w, h = box
    if filled:
        cv2.rectangle(img, (x, y), (x + w, y + h), TEAL if own else TEAL_GREY, -1)
    else:
        cv2.rectangle(img, (x, y), (x + w, y + h), (fill, fill, fill), -1)
        cv2.rectangle(img, (x, y), (x + w, y + h), RED if own else GREY, max(1, round(h / 13)))
    scale = h / 60.0
    thick = max(1, round(h / 25))
    base = y + round(h * 0.7)
    cv2.putText(img, "Ph4ntom", (x + round(h * 0.3), base), _FONT, scale, (235, 235, 235), thick)
    gx, gy = x + round(w * 0.45), y + round(h * 0.35)
    # A pistol's outline, in line heights.
    gun = np.array([[0, 0], [1.4, 0], [1.4, 0.2], [0.5, 0.2], [0.4, 0.5], [0.2, 0.5], [0.25, 0.2],
                    [0, 0.2]])  # fmt: skip
    cv2.fillPoly(img, [np.round(gun * h + (gx, gy)).astype(np.int32)], (220, 220, 220))
    cv2.putText(img, "Vex", (x + round(w * 0.72), base), _FONT, scale, (235, 235, 235), thick)


def render(
    screen: Screen,
    t: float,
    own: Sequence[float] = (),
    others: Sequence[float] = (),
    *,
    scene: np.ndarray | None = None,
    noise: np.ndarray | None = None,
    fills: dict[float, int] | None = None,
) -> np.ndarray:
    """The frame at ``t`` (BGR): the game with its feed, and a stream overlay around an inset."""
    w, h = screen.size
    img = np.empty((h, w, 3), np.uint8)
    img[:] = (70, 30, 20)  # the overlay's backdrop
    cv2.putText(img, "LIVE  twitch.tv/someone", (10, h - 12), _FONT, 0.6, (200, 200, 200), 1)
    gx, gy, gw, gh = screen.game
    if scene is None:
        img[gy : gy + gh, gx : gx + gw] = 96
    else:
        shift = int(t * gw * 0.15) % gw
        img[gy : gy + gh, gx : gx + gw] = scene[:gh, shift : shift + gw]
    lines = sorted([(s, True) for s in own] + [(s, False) for s in others])
    shown = [(start, mine) for start, mine in lines if start <= t < start + SHOWN_S]
    for slot, (start, mine) in enumerate(shown):
        draw_line(
            img, screen.line_box(slot), mine, (fills or {}).get(start, 28), filled=screen.filled
        )
    if noise is not None:
        img = cv2.add(img, noise)
    return img


def write_reference(
    folder: Path, *, color: bool | str = "auto", filled: bool = False, **extra: object
) -> Path:
    """A 1080p screenshot with one own-kill line, and a profile boxing that line."""
    folder.mkdir(parents=True, exist_ok=True)
    screen = Screen.full(REF_SIZE, filled=filled)
    style = "filled" if filled else "outline"
    png = folder / f"kill-{style}.png"
    cv2.imwrite(str(png), render(screen, 0.5, own=[0.0], scene=_background(REF_SIZE, 7)))
    indicator: dict[str, object] = {"reference": png.name, "box": list(screen.line_box()), **extra}
    if color != "auto":
        indicator["color"] = color
    profile = {"name": "feed", "events": {"kill": [indicator]}, "min_gap_s": 1.0}
    path = folder / f"feed-{style}-{color}.profile.json"
    path.write_text(json.dumps(profile))
    return path


def write_match(
    path: Path,
    screen: Screen,
    own: Sequence[float],
    others: Sequence[float] = (),
    *,
    duration_s: float = 6.0,
    fills: dict[float, int] | None = None,
) -> Path:
    """An H.264 recording of the feed over a scrolling, noisy scene (30 fps)."""
    w, h = screen.size
    gw, gh = screen.game[2], screen.game[3]
    scene = _background((gw, gh), 3)
    rng = np.random.default_rng(5)
    noises = [rng.integers(0, 12, size=(h, w, 3), dtype=np.uint8) for _ in range(3)]
    counter = iter(range(10**6))

    def draw(t: float) -> np.ndarray:
        noise = noises[next(counter) % len(noises)]
        return render(screen, t, own, others, scene=scene, noise=noise, fills=fills)

    write_video(path, frame_times(duration_s, 30, False), screen.size, draw)
    return path


def sampled(img_bgr: np.ndarray, number: int = 0, time_s: float = 0.0) -> SampledFrame:
    """A sampled frame as the reader gives it: luma, and U and V at half size (4:2:0)."""
    yuv = cv2.cvtColor(img_bgr, cv2.COLOR_BGR2YUV)
    h, w = img_bgr.shape[:2]
    half = (w // 2, h // 2)
    u, v = (cv2.resize(yuv[..., i], half, interpolation=cv2.INTER_AREA) for i in (1, 2))
    return SampledFrame(number, time_s, np.ascontiguousarray(yuv[..., 0]), (u, v))
