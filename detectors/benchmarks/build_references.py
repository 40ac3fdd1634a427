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
        clip: Source file in DATA_DIR.
        time_s: Frame-index time of the frame it was cut from.
        box: [x, y, w, h] of the indicator in that frame.
        keep: [x, y, w, h] of the neighbourhood kept (the rest is black).
        what: What is on screen, read off the frame.
    """

    png: str
    clip: str
    time_s: float
    box: tuple[int, int, int, int]
    keep: tuple[int, int, int, int]
    what: str


VALORANT = "valorant_two_kills_360p60.mp4"
HALO = "halo_infinite_death_and_kill_1080p60_av1.webm"
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


def build(data: Path = DATA) -> None:
    """Writes every reference PNG next to this file."""
    for ref in REFERENCES.values():
        frame = cv2.cvtColor(read_frame(data / ref.clip, ref.time_s), cv2.COLOR_RGB2BGR)
        out = np.zeros_like(frame)
        x, y, w, h = ref.keep
        out[y : y + h, x : x + w] = frame[y : y + h, x : x + w]
        cv2.imwrite(str(HERE / ref.png), out)
        size_kb = (HERE / ref.png).stat().st_size // 1024
        print(f"{ref.png}: {ref.clip} at {ref.time_s:.2f} s, box {list(ref.box)}, {size_kb} KB")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA)
