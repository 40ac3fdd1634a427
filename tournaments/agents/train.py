"""Train an arena agent from the command line (the same as ``manage.py train_agent``).

Usage::

    python -m tournaments.agents.train --algo dqn --opponent cpu_medium --minutes 15
    python -m tournaments.agents.train --algo bc --dataset var/datasets/rec1 --steps 2000

Shows a progress bar on a terminal, writes checkpoints and ``metrics.csv`` under ``--out``, the
final agent as ``agent/`` and ``agent.zip``, and prints a summary at the end.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from .common import ProgressBar

BOT_OPPONENTS = ("random", "cpu_easy", "cpu_medium", "cpu_hard", "self")


class TrainError(ValueError):
    """A user error in the training arguments or inputs (printed as one line)."""


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the training options to ``parser`` (shared by the CLI and the Django command)."""
    parser.add_argument("--algo", choices=("dqn", "bc"), required=True, help="dqn or bc")
    parser.add_argument(
        "--opponent", default="cpu_medium", choices=BOT_OPPONENTS,
        help="DQN training opponent; 'self' = a frozen earlier copy (default cpu_medium)",
    )  # fmt: skip
    parser.add_argument("--eval-opponent", default=None, help="DQN evaluation opponent")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument(
        "--steps", type=int, default=None, help="env steps (dqn) / gradient steps (bc)"
    )
    budget.add_argument("--minutes", type=float, default=None, help="wall-clock training budget")
    parser.add_argument(
        "--dataset", nargs="+", default=[], metavar="PATH", help="bc: dataset folders"
    )
    parser.add_argument("--out", default=None, help="output folder (default var/agents/<algo>)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--characters", nargs=2, default=("kaito", "kaito"), metavar=("MINE", "THEIRS"),
        help="dqn: the agent's and the opponent's characters",
    )  # fmt: skip
    parser.add_argument("--frame-skip", type=int, default=None, help="ticks per decision")
    parser.add_argument("--eval-every", type=int, default=None, help="steps between evaluations")
    parser.add_argument("--eval-games", type=int, default=None, help="dqn: matches per evaluation")


def run_training(options: dict[str, Any], stream: TextIO | None = None) -> dict[str, Any]:
    """Runs the trainer that ``options`` (parsed by :func:`add_train_arguments`) asks for.

    Args:
        options: Parsed options as a dict.
        stream: Where the progress bar goes (stderr by default).

    Returns:
        The trainer's summary.

    Raises:
        TrainError: Invalid combination of options or unreadable inputs.
    """
    from .dataset import DatasetError

    algo = options["algo"]
    steps, minutes = options.get("steps"), options.get("minutes")
    if steps is not None and steps < 1:
        raise TrainError("--steps must be at least 1")
    if minutes is not None and minutes <= 0:
        raise TrainError("--minutes must be positive")
    out = options.get("out") or f"var/agents/{algo}"
    bar = ProgressBar(1.0, f"train {algo}", stream)

    def progress(info: Any) -> None:
        bar.update(info["done"], info["text"])

    try:
        if algo == "dqn":
            summary = _run_dqn(options, steps, minutes, out, progress)
        else:
            summary = _run_bc(options, steps, minutes, out, progress)
    except (DatasetError, ValueError) as exc:
        raise TrainError(str(exc)) from None
    finally:
        bar.close()
    return summary


def _run_dqn(options: dict[str, Any], steps: int | None, minutes: float | None, out: str,
             progress: Any) -> dict[str, Any]:  # fmt: skip
    from .dqn import DQNArgs, train_dqn

    if options.get("dataset"):
        raise TrainError("--dataset is for --algo bc")
    args = DQNArgs(
        seed=options["seed"], opponent=options["opponent"],
        eval_opponent=options.get("eval_opponent"),
        characters=tuple(options["characters"]), out=out, minutes=minutes,
    )  # fmt: skip
    if steps is not None:
        args.total_steps = steps
        # Short runs: start learning and evaluating in proportion, so a smoke run still learns.
        args.learning_starts = min(args.learning_starts, max(steps // 10, 1))
        args.eval_every = min(args.eval_every, max(steps // 4, 1))
    elif minutes is not None:
        args.total_steps = 10**9  # the clock decides
    for key in ("frame_skip", "eval_every", "eval_games"):
        if options.get(key) is not None:
            setattr(args, key, options[key])
    return train_dqn(args, progress)


def _run_bc(options: dict[str, Any], steps: int | None, minutes: float | None, out: str,
            progress: Any) -> dict[str, Any]:  # fmt: skip
    from .bc import BCArgs, train_bc

    if not options.get("dataset"):
        raise TrainError("--algo bc needs --dataset PATH [PATH ...]")
    args = BCArgs(datasets=list(options["dataset"]), seed=options["seed"], out=out, minutes=minutes)
    if steps is not None:
        args.total_steps = steps
        args.eval_every = min(args.eval_every, max(steps // 4, 1))
    elif minutes is not None:
        args.total_steps = 10**9
    if options.get("frame_skip") is not None:
        args.stride = options["frame_skip"]
    if options.get("eval_every") is not None:
        args.eval_every = options["eval_every"]
    return train_bc(args, progress)


def format_summary(summary: dict[str, Any]) -> str:
    """The end-of-run summary as a few aligned lines."""
    s = summary
    if s["algo"] == "dqn":
        lines = [
            f"algo           dqn vs {s['opponent']} (eval vs {s['eval_opponent']})",
            f"steps          {s['steps']} in {s['wall_time_s']} s, {s['episodes']} matches",
            f"win rate       final {s['final_win_rate']:.1%}, best {s['best_win_rate']:.1%}"
            f" at step {s['best_step']}",
        ]  # fmt: skip
    else:
        lines = [
            f"algo           bc on {s['ticks']} ticks, {s['episodes']} episodes",
            f"steps          {s['steps']} in {s['wall_time_s']} s ({s['epochs']} epochs)",
            f"held-out       agreement {s['heldout_agreement']:.1%}"
            f" (majority-action baseline {s['majority_baseline']:.1%})",
        ]  # fmt: skip
    lines += [f"agent          {s['agent']} (+ .zip)", f"metrics        {s['metrics']}"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tournaments.agents.train", description="Train an arena agent (DQN or BC)."
    )
    add_train_arguments(parser)
    options = vars(parser.parse_args(argv))
    try:
        summary = run_training(options)
    except TrainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_summary(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
