"""Verifier benchmark: ``python -m detectors.verifier_bench [--seconds 30] [--repeat 3]
[--hud-scale 1.25]``.

Generates footage with realistic confusers (``detectors.verifier_synth``: other players' lines
that differ from yours only in the outline, and "ALLY" lines), three videos to train on and two
to test on (720p, 30 fps, other seeds and brightness; the test videos' HUD at ``--hud-scale``,
the training videos' at the reference's). Then, in one run:

1. training, as ``python -m detectors train-verifier`` does it (its time and the load average);
2. precision and recall of whole detection runs on the test videos against their true labels,
   template matching alone vs with the verifier;
3. detection time of the same test videos without and with the verifier, alternating, best of
   ``--repeat`` each (the machine is shared), and the ratio.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from detectors.detect import detect
from detectors.evaluate import load_labels, score
from detectors.profile import load_profile
from detectors.verifier_cli import examples_of
from detectors.verifier_synth import make_confuser_match, spaced_times
from detectors.verifier_training import train_verifier
from detectors.video import own_frame_index


def _videos(folder: Path, seconds: float, hud_scale: float) -> tuple[list, list]:
    rng = np.random.default_rng(42)
    made = []
    for n in range(5):
        times = spaced_times(rng, int(seconds // 3.2), seconds, 3.2)
        made.append(
            make_confuser_match(
                folder,
                kills=times[0::2],
                rivals=times[1::4],
                allies=times[3::4],
                duration_s=seconds,
                size=(1280, 720),
                brightness=(1.0, 0.8, 1.2, 0.9, 1.1)[n],
                hud_scale=1.0 if n < 3 else hud_scale,
                name=f"{'train' if n < 3 else 'test'}{n}",
                seed=100 + n,
            )
        )
    return made[:3], made[3:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each video")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each mode")
    parser.add_argument(
        "--hud-scale", type=float, default=1.0, help="HUD scale of the test videos (default 1)"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    folder = Path(tempfile.mkdtemp(prefix="verifier-bench-"))
    train, test = _videos(folder, args.seconds, args.hud_scale)
    profile = load_profile(train[0].profile)
    crops = []
    started = time.perf_counter()
    for n, m in enumerate(train):
        crops += examples_of(str(m.video), str(m.labels), profile, n)
    crop_s = time.perf_counter() - started
    training = train_verifier(profile, crops)
    groups = {c.group: c.positive for c in crops}
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
    print(
        f"training: {sum(groups.values())} confirmed + {len(groups) - sum(groups.values())} "
        f"rejected examples ({len(crops)} crops) from {len(train)} videos of {args.seconds:g} s; "
        f"crops {crop_s:.1f} s, training {training.train_s:.1f} s wall / "
        f"{training.metrics['train_cpu_s']:.1f} s CPU on one thread "
        f"(load average {training.load_average:.1f})"
    )
    b, a = training.before, training.after
    print(f"held-out corrections ({training.held_out_examples}):")
    print(f"  template matching alone  precision {b.precision:.3f}  recall {b.recall:.3f}")
    print(f"  with the verifier        precision {a.precision:.3f}  recall {a.recall:.3f}")
    verifier = training.verifier
    print(f"\ntest videos at HUD scale {args.hud_scale:g} (whole detection runs, true labels):")
    print(
        f"{'video':<10} {'mode':<10} {'precision':>9} {'recall':>7} "
        f"{'wall s':>7} {'ratio':>6} {'CPU s':>6} {'ratio':>6}"
    )
    for m in test:
        index = own_frame_index(m.video)
        labels = load_labels(m.labels, index)
        best = {"template": 1e9, "verifier": 1e9}
        cpu = {"template": 1e9, "verifier": 1e9}
        events = {}
        for _ in range(args.repeat):
            for mode, v in (("template", None), ("verifier", verifier)):
                t0, c0 = time.perf_counter(), time.process_time()
                events[mode] = detect(m.video, profile, frame_index=index, verifier=v).events
                best[mode] = min(best[mode], time.perf_counter() - t0)
                cpu[mode] = min(cpu[mode], time.process_time() - c0)
        for mode in ("template", "verifier"):
            kills = [e for e in events[mode] if e.kind == "kill"]
            s = score(kills, labels)
            ratio, cpu_ratio = best[mode] / best["template"], cpu[mode] / cpu["template"]
            print(
                f"{m.video.stem:<10} {mode:<10} {s.precision:>9.3f} {s.recall:>7.3f} "
                f"{best[mode]:>7.2f} {ratio:>6.2f} {cpu[mode]:>6.2f} {cpu_ratio:>6.2f}"
            )
    print(f"\nfiles in {folder}")


if __name__ == "__main__":
    main()
