"""Speed benchmark: ``python -m tournaments.arena.bench [--seconds S]``; ``--detect``: rendered
matches scored by the detector with the arena profile (the render-and-detect benchmark).

Prints one row per measurement: the figure, the target from the issue and the ratio to it, the
ratio to the single headless game measured in the same run (for the simulation rows), and the
ratio to real time (60 ticks or frames per second). Everything runs in one process, one core.
"""

from __future__ import annotations

import argparse
import itertools
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .batch import BatchGame
from .env import make_env
from .game import TICKS_PER_SECOND, Game
from .render import render_frame
from .vector import make_vector_env
from .video import render_match_video

TARGET_TICKS = 45_000
TARGET_RENDER = 2_000


def _rate(work: Callable[[], int], seconds: float) -> float:
    """Run ``work`` (returns units done) repeatedly for about ``seconds``; units per second."""
    done = 0
    start = time.perf_counter()
    while True:
        done += work()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def bench_game(seconds: float) -> float:
    """Headless ticks/s of one game under random actions (matches restart when they end)."""
    rng = random.Random(0)
    actions = [(rng.randrange(13), rng.randrange(13)) for _ in range(10_000)]
    games = [Game(("kaito", "volt"), seed=0, banner_ticks=0)]  # the running game, replaced
    seeds = itertools.count(1)

    def work() -> int:
        game = games[-1]
        step = game.step
        for a1, a2 in actions:
            step(a1, a2)
            if game.done:
                game = Game(("kaito", "volt"), seed=next(seeds), banner_ticks=0)
                games[-1:] = [game]
                step = game.step
        return len(actions)

    return _rate(work, seconds)


def bench_env(seconds: float, frame_skip: int = 4) -> float:
    """Ticks/s through the PettingZoo env with state observations (what training sees)."""
    env = make_env(("kaito", "volt"), frame_skip=frame_skip, seed=0)
    env.reset()
    rng = np.random.default_rng(0)

    def work() -> int:
        ticks = 0
        for _ in range(500):
            if not env.agents:
                env.reset()
            before = env.game.tick
            env.step({"p1": int(rng.integers(13)), "p2": int(rng.integers(13))})
            ticks += env.game.tick - before
        return ticks

    return _rate(work, seconds)


def bench_vector(seconds: float, n: int = 16, frame_skip: int = 4) -> float:
    """Ticks/s summed over a batch of ``n`` games with state observations."""
    env = make_vector_env(n, seed=0, frame_skip=frame_skip)
    env.reset()
    rng = np.random.default_rng(0)

    def work() -> int:
        ticks = 0
        for _ in range(50):
            # Keep the games themselves: a finished one is replaced by a fresh one on reset.
            games = [e.game for e in env.envs]
            before = [g.tick for g in games]
            env.step(rng.integers(0, 13, (n, 2)))
            ticks += sum(g.tick - b for g, b in zip(games, before, strict=True))
        return ticks

    return _rate(work, seconds)


def bench_batch_game(seconds: float, n: int = 1024) -> float:
    """Ticks/s summed over ``n`` games in the numpy ``BatchGame`` (no observations)."""
    game = BatchGame(n, ("kaito", "volt"), seeds=list(range(n)), banner_ticks=0)
    actions = np.random.default_rng(0).integers(0, 13, (64, n, 2))

    def work() -> int:
        before = game.ticks_run
        for a in actions:
            game.step(a)
            if game.done.any():
                game.reset_games(game.done, [0] * int(game.done.sum()))
        return game.ticks_run - before

    return _rate(work, seconds)


def bench_batch_env(seconds: float, n: int = 1024, frame_skip: int = 4) -> float:
    """Ticks/s through ``make_vector_env(n, vectorized=True)`` with state observations."""
    env = make_vector_env(n, seed=0, frame_skip=frame_skip, vectorized=True)
    env.reset()
    actions = np.random.default_rng(0).integers(0, 13, (16, n, 2))

    def work() -> int:
        game = env.game  # type: ignore[union-attr]
        before = game.ticks_run
        for a in actions:
            env.step(a)
        return game.ticks_run - before

    return _rate(work, seconds)


def bench_render(seconds: float, scale: int = 1) -> float:
    """Frames/s of ``render_frame`` on a mid-fight state."""
    game = Game(("brick", "vixen"), seed=1)
    rng = random.Random(2)
    for _ in range(200):
        game.step(rng.randrange(13), rng.randrange(13))

    def work() -> int:
        for _ in range(200):
            render_frame(game, scale)
        return 200

    return _rate(work, seconds)


def bench_video() -> float:
    """Frames/s of ``render_match_video`` (play + render + H.264 encode, scale 2, 60 fps)."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        record = render_match_video(
            Path(tmp) / "bench.mp4", seed=5, agents=("cpu_hard", "cpu_medium"),
            characters=("kaito", "vixen"), scale=2,
        )  # fmt: skip
        return (record.ticks + 1) / (time.perf_counter() - start)


def detect_rows(folder: Path, tolerance: float = 1.0) -> list[str]:
    """Rendered matches read back by the detector with the arena profile (exact truth: the
    record's round ends). A K.O. is a kill for p1's side, a death for p2's."""
    from detectors import detect, load_profile
    from detectors.evaluate import score
    from detectors.events import Event
    from detectors.video import own_frame_index

    from .profile import PROFILE_PATH

    rows = []
    for seed, agents in ((3, ("cpu_hard", "cpu_easy")), (5, ("cpu_easy", "cpu_hard"))):
        video = folder / f"arena_{seed}.mp4"
        record = render_match_video(video, seed=seed, agents=agents, round_seconds=30)
        index = own_frame_index(video)
        truth = []
        for winner, t in zip(record.round_winners, record.round_end_times_s, strict=True):
            frame = min(int(index.searchsorted(t - 1e-4)), len(index) - 1)
            for kind in {"p1": ["kill"], "p2": ["death"]}.get(winner, ["kill", "death"]):
                truth.append(Event(kind, frame, float(index[frame]), 1.0, "label"))
        result = detect(video, load_profile(PROFILE_PATH), frame_index=index)
        got = score(result.events, truth, tolerance)
        found = ", ".join(f"{e.kind}@{e.time_s:.2f}" for e in result.events) or "-"
        rows.append(
            f"| arena 512x448 seed {seed} {agents[0]} vs {agents[1]} (exact truth) "
            f"| {got.labelled} | {got.detected} | {got.precision:.2f} | {got.recall:.2f} "
            f"| {got.mean_error_s:.2f} s | {found} |"
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    """Run every benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument(
        "--detect",
        action="store_true",
        help="instead: render matches and score the detector with the arena profile",
    )
    args = parser.parse_args(argv)
    if args.seconds <= 0:
        parser.error("--seconds must be positive")
    if args.detect:
        print("| match | labelled | detected | precision | recall | mean timing error "
              "| detections |")  # fmt: skip
        print("|---|---|---|---|---|---|---|")
        with tempfile.TemporaryDirectory() as tmp:
            for row in detect_rows(Path(tmp)):
                print(row)
        return
    s = args.seconds
    rows = [
        ("game ticks/s, headless, 1 game", bench_game(s), TARGET_TICKS),
        ("env ticks/s, state obs, frame_skip 4", bench_env(s), TARGET_TICKS),
        ("vector env ticks/s, 16 games, state obs", bench_vector(s), TARGET_TICKS),
        ("numpy batch game ticks/s, 1024 games", bench_batch_game(s), TARGET_TICKS),
        ("numpy batch env ticks/s, 1024 games, obs", bench_batch_env(s), TARGET_TICKS),
        ("render frames/s, 256x224", bench_render(s, 1), TARGET_RENDER),
        ("render frames/s, 512x448 (scale 2)", bench_render(s, 2), None),
        ("match video frames/s (play+render+x264)", bench_video(), None),
    ]
    single = rows[0][1]  # the same-run baseline for every simulation row
    print(f"{'measurement':44} {'per second':>12} {'x target':>9} {'x 1 game':>9} "
          f"{'x real time':>12}")  # fmt: skip
    for name, rate, target in rows:
        ratio = f"{rate / target:9.1f}" if target else f"{'-':>9}"
        vs_single = f"{rate / single:9.2f}" if target == TARGET_TICKS else f"{'-':>9}"
        print(f"{name:44} {rate:12,.0f} {ratio} {vs_single} {rate / TICKS_PER_SECOND:12,.0f}")
    print(f"targets: {TARGET_TICKS:,} ticks/s, {TARGET_RENDER:,} frames/s; real time = 60/s")


if __name__ == "__main__":
    main()
