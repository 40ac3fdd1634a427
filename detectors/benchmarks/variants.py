"""``python -m detectors.benchmarks.variants [DATA_DIR] [VARIANT ...]``: folds on altered copies.

The scale and layout tests draw their own HUD; this takes the real clips of the accuracy folds
(``detectors.benchmarks.sets.FOLDS``: references from other kills) and re-encodes each as a
player's or a streamer's recording of the same game could differ: other resolutions, the game
inset in a stream overlay, padded to 21:9 or 16:10, and heavy compression. Each variant's folds
are scored as ``python -m detectors.benchmarks`` scores them (same tolerance), so a row shows
what a change of format costs against the ``original`` row of the same run.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import imageio_ffmpeg

from detectors.benchmarks.__main__ import HERE, TOLERANCE_S, _run
from detectors.benchmarks.sets import FOLDS, profile_for
from detectors.evaluate import Score, load_labels, score
from detectors.video import own_frame_index

# name -> (FFmpeg filter or None for the file as it is, x264 CRF)
VARIANTS: dict[str, tuple[str | None, int]] = {
    "original": (None, 0),
    "720p": ("scale=1280:720", 20),
    "1440p": ("scale=2560:1440", 20),
    # The game at 75 % in a stream layout, off-centre (a camera and chat take the rest).
    "inset 75 %": (
        "scale=trunc(iw*0.75/2)*2:trunc(ih*0.75/2)*2,"
        "pad=trunc(iw/0.75/2)*2:trunc(ih/0.75/2)*2:trunc(iw*0.1/2)*2:trunc(ih*0.233/2)*2:"
        "color=0x203040",
        20,
    ),
    "21:9 pillarbox": ("pad=trunc(ih*64/27/2)*2:ih:(ow-iw)/2:0", 20),
    "16:10 letterbox": ("pad=iw:trunc(iw*10/16/2)*2:0:(oh-ih)/2", 20),
    "CRF 38": ("null", 38),
}


def _variant(src: Path, name: str, folder: Path) -> Path:
    vf, crf = VARIANTS[name]
    if vf is None:
        return src
    out = folder / f"{len(list(folder.iterdir()))}-{src.stem}.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(src), "-vf", vf,
         "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p",
         str(out)],
        check=True,
    )  # fmt: skip
    return out


def main(argv: list[str]) -> int:
    data = Path(argv[0]) if argv else Path(__file__).resolve().parents[3] / "shared" / "data"
    names = argv[1:] or list(VARIANTS)
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        print(f"unknown variant(s) {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
        return 2
    print("| variant | labelled | detected | precision | recall | detections per fold |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in names:
            parts, shown = [], []
            for fold in FOLDS:
                src = data / fold.clip
                if not src.is_file():
                    print(f"| {name} | {src} not found | | | | |")
                    return 1
                video = _variant(src, name, folder)
                index = own_frame_index(video)
                labels = [e for e in load_labels(HERE / fold.labels, index) if e.kind in fold.kinds]
                truth = [e for e in labels if fold.start_s <= e.time_s < fold.end_s]
                profile = profile_for(fold.game, fold.references, data=data, folder=folder)
                found = [e for e in _run(video, profile) if fold.start_s <= e.time_s < fold.end_s]
                parts.append(score(found, truth, TOLERANCE_S))
                shown.append(" ".join(f"{e.time_s:.2f}" for e in found) or "-")
            errors = tuple(x for p in parts for x in p.timing_errors_s)
            got = Score(sum(p.detected for p in parts), sum(p.labelled for p in parts),
                        len(errors), errors)  # fmt: skip
            print(f"| {name} | {got.labelled} | {got.detected} | {got.precision:.2f} "
                  f"| {got.recall:.2f} | {' / '.join(shown)} |", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
