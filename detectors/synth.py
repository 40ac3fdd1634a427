"""Synthetic match footage with exact truth, for tests and the site's demo data.

A match is a scrolling, noisy "gameplay" background with a kill feed at the top right (one line
"YOU  X  ENEMY" per own kill for about 2 s, stacking when kills come close; "ALLY  X  ENEMY"
lines are distractors) and a "YOU DIED / RESPAWN IN 3" banner for 3 s at each death. The UI is
laid out relative to the frame size, so the reference screenshots can have another resolution
than the video, as real profiles do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from detectors.events import Event

FEED_S = 2.0
BANNER_S = 3.0
_FONT = cv2.FONT_HERSHEY_DUPLEX


@dataclass(frozen=True)
class SyntheticMatch:
    """The files of a generated match and its true events.

    Attributes:
        video: The H.264 mp4.
        profile: A profile JSON whose references are screenshots of the same UI.
        labels: The true events as JSON (a list of event dicts).
        events: The true events (frame numbers of the written video).
    """

    video: Path
    profile: Path
    labels: Path
    events: list[Event]


@dataclass(frozen=True)
class _Layout:
    """Where the UI sits for one frame size (all in that size's pixels)."""

    width: int
    height: int

    @property
    def line(self) -> tuple[int, int, int, int]:
        """x, y, w, h of the first kill-feed line."""
        w, h = self.width, self.height
        return int(w * 0.70), int(h * 0.06), int(w * 0.26), max(12, int(h * 0.045))

    @property
    def banner(self) -> tuple[int, int, int, int]:
        """x, y, w, h of the death banner's text block."""
        w, h = self.width, self.height
        return int(w * 0.30), int(h * 0.62), int(w * 0.40), int(h * 0.16)


def _text(img: np.ndarray, text: str, x: int, y: int, height: int, color: tuple[int, ...]) -> None:
    """Draws ``text`` with its cap height about ``height`` px, baseline at y."""
    scale = height / 22.0
    cv2.putText(img, text, (x, y), _FONT, scale, color, max(1, round(scale * 1.6)), cv2.LINE_AA)


def _draw_feed_line(img: np.ndarray, lay: _Layout, slot: int, own: bool) -> None:
    x, y, w, h = lay.line
    y += slot * int(h * 1.2)
    cv2.rectangle(img, (x, y), (x + w, y + h), (20, 20, 24), -1)
    edge = (40, 200, 250) if own else (90, 90, 90)
    cv2.rectangle(img, (x, y), (x + w, y + h), edge, max(1, h // 12))
    cap = int(h * 0.55)
    base = y + h - (h - cap) // 2
    _text(img, "YOU" if own else "ALLY", x + int(h * 0.4), base, cap, (235, 235, 235))
    cx, cy, r = x + int(w * 0.45), y + h // 2, int(h * 0.25)
    cv2.line(img, (cx - r, cy - r), (cx + r, cy + r), (60, 60, 230), max(1, h // 10))
    cv2.line(img, (cx - r, cy + r), (cx + r, cy - r), (60, 60, 230), max(1, h // 10))
    _text(img, "ENEMY", x + int(w * 0.58), base, cap, (80, 80, 235))


def _draw_banner(img: np.ndarray, lay: _Layout, seconds_left: int) -> None:
    x, y, w, h = lay.banner
    band = img[y - h // 4 : y + h + h // 4, :]
    band[:] = (band * 0.15).astype(np.uint8)  # the screen darkens behind the banner
    _text(img, "YOU DIED", x + int(w * 0.12), y + int(h * 0.5), int(h * 0.36), (40, 40, 230))
    line = f"RESPAWN IN {max(1, seconds_left)}"
    _text(img, line, x + int(w * 0.2), y + int(h * 0.9), int(h * 0.16), (230, 230, 230))


def _background(size: tuple[int, int], seed: int) -> np.ndarray:
    """A wide, smooth, colourful scene to scroll across (2x the frame width)."""
    w, h = size
    rng = np.random.default_rng(seed)
    small = rng.integers(30, 200, size=(9, 24, 3), dtype=np.uint8)
    scene = cv2.resize(small, (2 * w, h), interpolation=cv2.INTER_CUBIC)
    for _ in range(30):  # some hard-edged "geometry"
        x, y = int(rng.integers(0, 2 * w)), int(rng.integers(0, h))
        color = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.rectangle(scene, (x, y), (x + int(w * 0.08), y + int(h * 0.2)), color, -1)
    return scene


def render_frame(
    size: tuple[int, int],
    t: float,
    *,
    kills: Sequence[float] = (),
    deaths: Sequence[float] = (),
    allies: Sequence[float] = (),
    scene: np.ndarray | None = None,
    noise: np.ndarray | None = None,
    brightness: float = 1.0,
) -> np.ndarray:
    """Draws the frame shown at time ``t`` (BGR uint8).

    Args:
        size: (width, height).
        t: Time in seconds.
        kills: Times of own kills (a "YOU" feed line from each for FEED_S).
        deaths: Times of deaths (a banner from each for BANNER_S).
        allies: Times of allies' kills (distractor feed lines).
        scene: A background from ``_background``; a plain grey one when None.
        noise: Noise added to the whole frame (uint8, same shape).
        brightness: Gain applied to the final frame (a brighter or darker capture).
    """
    w, h = size
    lay = _Layout(w, h)
    if scene is None:
        img = np.full((h, w, 3), 96, np.uint8)
    else:
        shift = int(t * w * 0.15) % w
        img = scene[:, shift : shift + w].copy()
    feed = sorted([(k, True) for k in kills] + [(a, False) for a in allies])
    shown = [own for start, own in feed if start <= t < start + FEED_S]
    for slot, own in enumerate(shown[-4:]):
        _draw_feed_line(img, lay, slot, own)
    for d in deaths:
        if d <= t < d + BANNER_S:
            _draw_banner(img, lay, int(np.ceil(d + BANNER_S - t)))
    if noise is not None:
        img = cv2.add(img, noise)  # saturating, and far cheaper than a signed add in numpy
    if brightness != 1.0:
        img = cv2.convertScaleAbs(img, alpha=brightness)
    return img


def frame_times(duration_s: float, fps: float, vfr: bool, seed: int = 0) -> np.ndarray:
    """Presentation times of the frames to write; irregular (0.4x-2.2x the nominal step) if vfr."""
    step = 1.0 / fps
    if not vfr:
        return np.arange(int(round(duration_s * fps))) * step
    rng = np.random.default_rng(seed)
    steps = rng.choice([0.4, 0.7, 1.0, 1.0, 1.6, 2.2], size=int(duration_s * fps * 1.2)) * step
    times = np.concatenate([[0.0], np.cumsum(steps)])
    return np.round(times[times < duration_s], 3)  # the file's time base is 1 ms


def write_video(
    path: Path,
    times: np.ndarray,
    size: tuple[int, int],
    draw: Callable[[float], np.ndarray],
    *,
    faststart: bool = True,
    gop: int = 30,
) -> None:
    """Encodes ``draw(t)`` at each time of ``times`` to an H.264 mp4 with exact timestamps."""
    opts = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", options=opts) as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.time_base = Fraction(1, 1000)
        stream.options = {"preset": "ultrafast", "crf": "26", "g": str(gop)}
        for t in times:
            yuv = cv2.cvtColor(draw(float(t)), cv2.COLOR_BGR2YUV_I420)
            frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
            frame.pts = int(round(t * 1000))
            frame.time_base = Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def make_match(
    out_dir: Path,
    *,
    duration_s: float = 20,
    fps: float = 30,
    size: tuple[int, int] = (1280, 720),
    kills: Sequence[float] = (3.0, 9.0, 10.0),
    deaths: Sequence[float] = (6.0, 15.0),
    allies: Sequence[float] = (12.5,),
    vfr: bool = False,
    noise: bool = True,
    brightness: float = 1.0,
    reference_size: tuple[int, int] = (1920, 1080),
    name: str = "synthetic",
    seed: int = 0,
) -> SyntheticMatch:
    """Writes a synthetic match: video, profile (with reference screenshots) and labels.

    Args:
        out_dir: Folder for the files (created if missing).
        duration_s: Length of the video.
        fps: Nominal frame rate (the mean one when ``vfr``).
        size: Video (width, height).
        kills: Times of own kills.
        deaths: Times of deaths.
        allies: Times of allies' kills (feed lines that are not our events).
        vfr: Write a real variable-frame-rate file (irregular frame durations).
        noise: Add per-frame sensor-like noise to the background.
        brightness: Gain on the video only (the references stay at 1.0).
        reference_size: Resolution of the reference screenshots.
        name: Base name of the files and the profile's name.
        seed: Seed for the background, noise and VFR timing.

    Returns:
        The paths and the true events (frame numbers of the written video).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    scene = _background(size, seed)
    w, h = size
    noises: list[np.ndarray | None] = [None]
    if noise:
        noises = [rng.integers(0, 14, size=(h, w, 3), dtype=np.uint8) for _ in range(4)]
    times = frame_times(duration_s, fps, vfr, seed)
    counter = iter(range(len(times)))

    def draw(t: float) -> np.ndarray:
        n = noises[next(counter) % len(noises)]
        return render_frame(
            size,
            t,
            kills=kills,
            deaths=deaths,
            allies=allies,
            scene=scene,
            noise=n,
            brightness=brightness,
        )

    video = out_dir / f"{name}.mp4"
    write_video(video, times, size, draw)
    profile = _write_profile(out_dir, name, reference_size, seed)
    events = _truth(times, kills, "kill") + _truth(times, deaths, "death")
    events.sort(key=lambda e: e.time_s)
    labels = out_dir / f"{name}.labels.json"
    labels.write_text(json.dumps([e.to_dict() for e in events], indent=1))
    return SyntheticMatch(video, profile, labels, events)


def _truth(times: np.ndarray, starts: Sequence[float], kind: str) -> list[Event]:
    events = []
    for start in starts:
        i = int(np.searchsorted(times, start - 1e-9))
        if i < len(times):
            events.append(Event(kind, i, float(times[i]), 1.0, "label"))
    return events


def _write_profile(out_dir: Path, name: str, ref_size: tuple[int, int], seed: int) -> Path:
    scene = _background(ref_size, seed + 1)
    lay = _Layout(*ref_size)
    kill_png, death_png = out_dir / f"{name}.kill.png", out_dir / f"{name}.death.png"
    cv2.imwrite(str(kill_png), render_frame(ref_size, 0.5, kills=[0.0], scene=scene))
    cv2.imwrite(str(death_png), render_frame(ref_size, 0.5, deaths=[0.0], scene=scene))
    lx, ly, lw, lh = lay.line
    bx, by, bw, bh = lay.banner
    # The "YOU DIED" text only: the countdown under it changes, the background behind it moves.
    (tw, th), _ = cv2.getTextSize("YOU DIED", _FONT, int(bh * 0.36) / 22.0, 1)
    tx, ty = bx + int(bw * 0.12), by + int(bh * 0.5)
    pad = max(2, th // 6)
    death_box = [tx - pad, ty - th - pad, tw + 2 * pad, th + 2 * pad]
    profile = {
        "name": name,
        "events": {
            # The own-name half of the line: "ALLY  X  ENEMY" lines differ from it only there.
            "kill": [{"reference": kill_png.name, "box": [lx, ly, int(lw * 0.52), lh]}],
            "death": [{"reference": death_png.name, "box": death_box}],
        },
        "min_gap_s": 2.0,
    }
    path = out_dir / f"{name}.profile.json"
    path.write_text(json.dumps(profile, indent=1))
    return path
