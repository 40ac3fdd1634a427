"""Rebuilds the benchmark reference screenshots from the real clips in ../shared/data.

``python -m detectors.benchmarks.build_references [DATA_DIR]``

Each reference is one frame of a clip at full size, with everything outside the indicator's
neighbourhood blacked out so the PNG stays small (the box keeps the frame's pixel coordinates).
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from detectors.probe import read_frame

HERE = Path(__file__).resolve().parent
DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

# (clip, frame-index time, output png, regions kept [x, y, w, h])
REFERENCES = [
    ("valorant_two_kills_360p60.mp4", 3.5, "valorant_kill.png", [(440, 0, 200, 100)]),
    (
        "halo_infinite_death_and_kill_1080p60_av1.webm",
        1.4,
        "halo_kill.png",
        [(600, 400, 200, 120)],
    ),
    (
        "halo_infinite_death_and_kill_1080p60_av1.webm",
        2.8,
        "halo_death.png",
        [(0, 600, 480, 90)],
    ),
]


def build(data: Path = DATA) -> None:
    """Writes every reference PNG next to this file."""
    for clip, time_s, name, keep in REFERENCES:
        frame = cv2.cvtColor(read_frame(data / clip, time_s), cv2.COLOR_RGB2BGR)
        out = np.zeros_like(frame)
        for x, y, w, h in keep:
            out[y : y + h, x : x + w] = frame[y : y + h, x : x + w]
        cv2.imwrite(str(HERE / name), out)
        print(f"{name}: {clip} at {time_s:.2f} s, {(HERE / name).stat().st_size // 1024} KB")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA)
