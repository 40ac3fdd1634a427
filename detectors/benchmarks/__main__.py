"""``python -m detectors.benchmarks [DATA_DIR]``: precision and recall per game on real clips.

Real clips are read from DATA_DIR (default ../shared/data beside the checkout), never copied
into the repo; the synthetic row is generated on the fly and has exact truth. Label times are
frame-index seconds (frame 0 at 0.0), read off sampled frames by hand: see each label's ``note``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from detectors import detect, load_profile
from detectors.evaluate import load_labels, score
from detectors.events import Event
from detectors.synth import make_match
from detectors.video import own_frame_index

HERE = Path(__file__).resolve().parent
SETS = [
    ("Valorant", "valorant_two_kills_360p60.mp4", "valorant"),
    ("Halo Infinite (AV1)", "halo_infinite_death_and_kill_1080p60_av1.webm", "halo_infinite"),
]


def _row(
    game: str, video: Path, profile: Path, labels: Path | list[Event], tolerance: float
) -> str:
    index = own_frame_index(video)
    result = detect(video, load_profile(profile), frame_index=index)
    truth = labels if isinstance(labels, list) else load_labels(labels, index)
    got = score(result.events, truth, tolerance)
    found = ", ".join(f"{e.kind}@{e.time_s:.2f}" for e in result.events) or "-"
    return (
        f"| {game} | {got.labelled} | {got.detected} | {got.precision:.2f} | {got.recall:.2f} "
        f"| {got.mean_error_s:.2f} s | {found} |"
    )


def main(argv: list[str]) -> int:
    data = Path(argv[0]) if argv else Path(__file__).resolve().parents[3] / "shared" / "data"
    tolerance = 1.0
    print("| game | labelled | detected | precision | recall | mean timing error | detections |")
    print("|---|---|---|---|---|---|---|")
    for game, clip, name in SETS:
        video = data / clip
        if not video.is_file():
            print(f"| {game} | clip {video} not found | | | | | |")
            continue
        print(_row(game, video, HERE / f"{name}.json", HERE / f"{name}.labels.json", tolerance))
    with tempfile.TemporaryDirectory() as tmp:
        match = make_match(Path(tmp), duration_s=20, size=(1280, 720), kills=(3, 9, 10, 17),
                           deaths=(6, 14), allies=(12.5,), vfr=True)  # fmt: skip
        print(_row("synthetic 720p VFR (exact truth)", match.video, match.profile, match.labels,
                   tolerance))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
