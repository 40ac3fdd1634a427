"""``python -m detectors``: detect events in a video, or evaluate detection against labels."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from detectors.detect import DetectionResult, detect
from detectors.evaluate import format_score, load_labels, score
from detectors.events import EventError
from detectors.matching import LARGE_BOX_SHARE, check_indicators
from detectors.profile import Profile, ProfileError, load_profile
from detectors.video import VideoError, own_frame_index


class _Usage(Exception):
    """A user error: printed as one line, exit status 2."""


def _load_profile(path: str) -> Profile:
    """The profile at ``path``, refused where the site would refuse it (a flat box, a box over
    half of its screenshot); a box over a quarter of it is a warning on stderr."""
    profile = load_profile(path)
    check_indicators(profile.indicators)
    for ind in profile.indicators:
        if ind.box_share > LARGE_BOX_SHARE:
            width, height = ind.reference_size
            print(
                f"warning: the {ind.kind} box {list(ind.box)} in {ind.reference} covers "
                f"{round(100 * ind.box_share)} % of the screenshot ({width}x{height}): an "
                "indicator is a HUD element (a kill-feed line, a banner), and a box this large "
                "matches the whole scene; draw it around the indicator alone",
                file=sys.stderr,
            )
    return profile


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m detectors", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    det = sub.add_parser("detect", help="print the kills and deaths in a video")
    det.add_argument("video")
    det.add_argument("--profile", required=True, help="game profile JSON")
    det.add_argument("--json", action="store_true", help="print a JSON list of events")
    ev = sub.add_parser("evaluate", help="precision, recall and timing error against labels")
    ev.add_argument("video")
    ev.add_argument("--profile", required=True, help="game profile JSON")
    ev.add_argument("--labels", required=True, help="labelled events JSON")
    ev.add_argument("--tolerance", type=float, default=1.0, help="seconds (default 1.0)")
    tv = sub.add_parser("train-verifier", help="train a learned verifier from labelled videos")
    tv.add_argument("videos", nargs="+", metavar="VIDEO")
    tv.add_argument("--profile", required=True, help="game profile JSON")
    tv.add_argument(
        "--labels", required=True, action="append", help="labels JSON, once per video, in order"
    )
    tv.add_argument("--out", help="weights file (default: beside the profile, .safetensors)")
    tv.add_argument("--steps", type=int, default=400, help="training steps (default 400)")
    for p in (det, ev):
        p.add_argument("--verifier", help="use a trained verifier (.safetensors)")
    return parser


def _verifier(path: str | None, profile):
    if path is None:
        return None
    from detectors.verifier import load_verifier

    return load_verifier(path, profile)


def _progress_bar() -> Callable[[float], None] | None:
    if not sys.stdout.isatty():
        return None

    def show(fraction: float) -> None:
        filled = int(fraction * 30)
        sys.stdout.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction * 100:5.1f}%")
        sys.stdout.flush()

    return show


def _run_detect(
    video: str, profile_path: str, bar: bool, verifier: str | None = None
) -> DetectionResult:
    profile = _load_profile(profile_path)
    index = own_frame_index(video)
    progress = _progress_bar() if bar else None
    result = detect(
        video, profile, frame_index=index, progress=progress, verifier=_verifier(verifier, profile)
    )
    if progress is not None:
        sys.stdout.write("\r" + " " * 40 + "\r")
    if not result.complete:
        print(f"warning: {result.message}", file=sys.stderr)
    return result


def _table(result: DetectionResult) -> str:
    lines = [f"{'time':>10}  {'frame':>7}  {'kind':<5}  confidence"]
    for e in result.events:
        minutes, seconds = divmod(e.time_s, 60)
        lines.append(
            f"{int(minutes):>3}:{seconds:06.3f}  {e.frame:>7}  {e.kind:<5}  {e.confidence:.3f}"
        )
    kills = sum(e.kind == "kill" for e in result.events)
    lines.append(f"{kills} kills, {len(result.events) - kills} deaths")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the CLI; returns the exit status (0 ok, 2 bad input)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "detect":
            result = _run_detect(args.video, args.profile, not args.json, args.verifier)
            if args.json:
                keys = ("kind", "frame", "time_s", "confidence")
                print(json.dumps([{k: e.to_dict()[k] for k in keys} for e in result.events]))
            else:
                print(_table(result))
            return 0
        if args.command == "train-verifier":
            from detectors.verifier_cli import run

            profile = _load_profile(args.profile)
            out = Path(args.out or Path(args.profile).with_suffix(".verifier.safetensors"))
            print(run(profile, args.videos, args.labels, out, steps=args.steps))
            return 0
        if args.tolerance < 0:
            raise _Usage(f"--tolerance must be >= 0, got {args.tolerance}")
        profile = _load_profile(args.profile)
        index = own_frame_index(args.video)
        labels = load_labels(args.labels, index)
        result = detect(
            args.video, profile, frame_index=index, verifier=_verifier(args.verifier, profile)
        )
        if not result.complete:
            print(f"warning: {result.message}", file=sys.stderr)
        print(format_score(score(result.events, labels, args.tolerance), args.tolerance))
        return 0
    except (ProfileError, VideoError, EventError, _Usage, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
