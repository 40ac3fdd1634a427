"""How often indicator discovery finds the kill-feed line when the marks are off.

Generates a few shooter matches (``detectors.synth``, 640x360, 30 fps, exact truth: the feed's
line boxes), marks each kill with a random error of up to +-JITTER seconds, and counts the
proposals whose box overlaps a feed line by IoU >= 0.5. The baseline, in the same run, is the
marks placed exactly on the kills. ``python -m detectors.bench_discover [SEEDS]`` prints a table.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from detectors.discover import DiscoveryError, discover, iou
from detectors.synth import _Layout, make_match

KILLS = (3.0, 7.5, 12.0)
JITTERS = (0.0, 0.4, 0.8)
TRIALS = 3


def _lines(size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """The feed's first two slots (a kill can stack under the one before)."""
    x, y, w, h = _Layout(*size).line
    return [(x, y + slot * int(h * 1.2), w, h) for slot in (0, 1)]


def main(argv: list[str]) -> int:
    seeds = int(argv[0]) if argv else 3
    size = (640, 360)
    rng = np.random.default_rng(0)
    hits = {j: [] for j in JITTERS}
    seconds = {j: 0.0 for j in JITTERS}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(seeds):
            match = make_match(
                Path(tmp) / f"m{seed}", duration_s=15, fps=30, size=size, kills=KILLS,
                deaths=(5.5,), allies=(), seed=seed,
            )  # fmt: skip
            for jitter in JITTERS:
                for _ in range(1 if jitter == 0 else TRIALS):
                    marks = [k + rng.uniform(-jitter, jitter) for k in KILLS]
                    start = time.perf_counter()
                    try:
                        box = discover(match.video, marks).box
                        best = max(iou(box, line) for line in _lines(size))
                    except DiscoveryError:
                        best = 0.0
                    seconds[jitter] += time.perf_counter() - start
                    hits[jitter].append(best)
    base = np.mean([b >= 0.5 for b in hits[0.0]])
    print("marks off by up to | found (IoU >= 0.5) | mean IoU | vs exact marks | s per run")
    for jitter in JITTERS:
        found = np.mean([b >= 0.5 for b in hits[jitter]])
        ratio = found / base if base else float("nan")
        print(
            f"+-{jitter:.1f} s | {sum(b >= 0.5 for b in hits[jitter])}/{len(hits[jitter])} | "
            f"{np.mean(hits[jitter]):.2f} | {ratio:.2f} | {seconds[jitter] / len(hits[jitter]):.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
