"""Command line: ``python -m tournaments.arena {video,replay,profile,bench} ...``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .bots import BOT_NAMES
from .characters import CHARACTER_NAMES


def _video(args: argparse.Namespace) -> None:
    from .video import render_match_video

    record = render_match_video(
        args.out,
        seed=args.seed,
        agents=tuple(args.agents),
        characters=tuple(args.characters),
        max_rounds=args.rounds,
        round_seconds=args.round_seconds,
        scale=args.scale,
        fps=args.fps,
    )
    record_path = Path(args.out).with_suffix(".json")
    record_path.write_text(json.dumps(record.to_dict()) + "\n", encoding="utf-8")
    print(f"wrote {args.out} and {record_path}")
    print(f"winner: {record.winner}  ticks: {record.ticks}")
    for i, (w, t) in enumerate(zip(record.round_winners, record.round_end_times_s, strict=True)):
        print(f"round {i + 1}: {w} at {t:.2f} s")


def _replay(args: argparse.Namespace) -> None:
    from .replay import MatchRecord, replay_match

    try:
        record = MatchRecord.from_dict(json.loads(Path(args.record).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"cannot read match record {args.record}: {exc}") from None
    game = replay_match(record)
    same = game.state_hash() == record.final_hash
    print(f"winner: {game.winner}  final state {'matches' if same else 'DIFFERS from'} the record")
    if not same:
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run the sub-command."""
    parser = argparse.ArgumentParser(prog="python -m tournaments.arena")
    sub = parser.add_subparsers(dest="command", required=True)
    video = sub.add_parser("video", help="play a match between bots and encode it as MP4")
    video.add_argument("out", help="output .mp4 (a .json match record is written beside it)")
    video.add_argument("--seed", type=int, default=0)
    video.add_argument("--agents", nargs=2, default=["cpu_hard", "cpu_medium"],
                       choices=BOT_NAMES, metavar="BOT")  # fmt: skip
    video.add_argument("--characters", nargs=2, default=["kaito", "brick"],
                       choices=CHARACTER_NAMES, metavar="NAME")  # fmt: skip
    video.add_argument("--rounds", type=int, default=3)
    video.add_argument("--round-seconds", type=int, default=99)
    video.add_argument("--scale", type=int, default=2)
    video.add_argument("--fps", type=int, default=60)
    replay = sub.add_parser("replay", help="replay a match record and check its final state")
    replay.add_argument("record", help="a .json match record")
    sub.add_parser("profile", help="rewrite profile/arena.json and its reference frames")
    bench = sub.add_parser("bench", help="speed benchmark (same as python -m ...arena.bench)")
    bench.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    try:
        if args.command == "video":
            _video(args)
        elif args.command == "replay":
            _replay(args)
        elif args.command == "profile":
            from .profile import write_profile

            print(f"wrote {write_profile()} and its reference frames")
        else:
            from .bench import main as bench_main

            bench_main(["--seconds", str(args.seconds)])
    except (ValueError, RuntimeError) as exc:
        parser.exit(2, f"error: {exc}\n")


if __name__ == "__main__":
    main()
