"""Rebuilds the benchmark reference screenshots from the real clips in ../shared/data.

``python -m detectors.benchmarks.build_references [DATA_DIR]``

Each reference is one frame of a clip at full size, with everything outside the indicator's
neighbourhood blacked out so the PNG stays small (the box keeps the frame's pixel coordinates,
so the matcher scales it to any video exactly as it would a full screenshot). Every reference is
cut from a *different* kill than the events it is scored on (see ``detectors.benchmarks.sets``):
no labelled appearance is ever matched against itself.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from detectors.probe import read_frame

HERE = Path(__file__).resolve().parent
DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@dataclass(frozen=True)
class Reference:
    """Where a reference PNG came from.

    Attributes:
        png: File name in this folder.
        clip: Source file in DATA_DIR: a clip, or an image (a template from elsewhere).
        time_s: Frame-index time of the frame it was cut from (None for an image).
        box: [x, y, w, h] of the indicator in that frame.
        keep: [x, y, w, h] of the neighbourhood kept (the rest is black); for an image, where it
            is pasted on a black 1920x1080 screenshot (its whole size).
        what: What is on screen, read off the frame.
    """

    png: str
    clip: str
    time_s: float | None
    box: tuple[int, int, int, int]
    keep: tuple[int, int, int, int]
    what: str


VALORANT = "valorant_two_kills_360p60.mp4"
HALO = "halo_infinite_death_and_kill_1080p60_av1.webm"
# From another source than the clips (another repository's template folder): no moment of any
# clip here was cut for it. Its box is the medal's inner disc (the template's dark corners are
# not the medal: the game draws it over the scene); it is placed where Halo Infinite draws its
# medals, left of the crosshair under the points (1080p, HUD scale 1).
HALO_MEDAL = "halo_infinite_double_kill_medal.png"
REFERENCES = {
    r.png: r
    for r in [
        Reference("valorant_kill_1.png", VALORANT, 3.40, (532, 31, 62, 12), (440, 0, 200, 70),
                  "first own kill line ('Me [Vandal] -> Aiko'), top slot of the feed"),
        Reference("valorant_kill_2.png", VALORANT, 4.10, (532, 46, 62, 12), (440, 0, 200, 70),
                  "second own kill line ('Me [Vandal] -> Killua'), second slot of the feed"),
        Reference("halo_kill_1.png", HALO, 0.00, (662, 454, 64, 28), (600, 400, 200, 120),
                  "'100' points over 'Killed Hysteria WA' (the kill before the clip's)"),
        Reference("halo_kill_2.png", HALO, 1.40, (662, 454, 64, 28), (600, 400, 200, 120),
                  "'100' points over 'Killed COL TritonJB' (the clip's second kill)"),
    ]
}  # fmt: skip
# Templates from elsewhere, pasted on a black screenshot when a benchmark runs (into a temporary
# folder, like the footage never copied into the repo).
TEMPLATES = {
    r.png: r
    for r in [
        Reference("halo_double_kill_medal.png", HALO_MEDAL, None, (757, 492, 26, 26),
                  (750, 485, 40, 40), "the Double Kill medal, a 40x40 template from elsewhere"),
    ]
}  # fmt: skip


def build(data: Path = DATA) -> None:
    """Writes every reference PNG cut from a clip next to this file."""
    for ref in REFERENCES.values():
        frame = cv2.cvtColor(read_frame(data / ref.clip, ref.time_s), cv2.COLOR_RGB2BGR)
        out = np.zeros_like(frame)
        x, y, w, h = ref.keep
        out[y : y + h, x : x + w] = frame[y : y + h, x : x + w]
        cv2.imwrite(str(HERE / ref.png), out)
        size_kb = (HERE / ref.png).stat().st_size // 1024
        print(f"{ref.png}: {ref.clip} at {ref.time_s:.2f} s, box {list(ref.box)}, {size_kb} KB")


def pasted(ref: Reference, data: Path, folder: Path) -> Path:
    """A template from elsewhere (``TEMPLATES``) pasted on a black 1920x1080 screenshot at
    ``ref.keep``, written to ``folder``; returns its path."""
    x, y, w, h = ref.keep
    image = cv2.imread(str(data / ref.clip), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(data / ref.clip)
    out = np.zeros((1080, 1920, 3), np.uint8)
    out[y : y + h, x : x + w] = image[:h, :w]
    path = folder / ref.png
    cv2.imwrite(str(path), out)
    return path


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA)
