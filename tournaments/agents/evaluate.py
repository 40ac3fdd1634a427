"""Play an agent against an opponent and measure its win rate and decision latency.

Usage::

    python -m tournaments.agents.evaluate AGENT --opponent cpu_medium --games 100

``AGENT`` is an agent folder or zip. Prints the record, the win rate and decision latency
(mean, p50, p99 ms, single-threaded, measured on the observations of the games played).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .common import Policy


def match_winner(info: Mapping[str, Any]) -> str | None:
    """The match winner (``"p1"``/``"p2"``) from a terminal step's info, or None for a draw."""
    winner = info.get("winner")
    return winner if winner in ("p1", "p2") else None


def play_matches(
    policy: Policy,
    opponent: Any,
    *,
    games: int,
    characters: Sequence[str] = ("kaito", "kaito"),
    frame_skip: int = 4,
    seed: int = 0,
    max_rounds: int = 3,
    alternate_sides: bool = True,
    obs_type: str = "state",
    latencies: list[float] | None = None,
    cpu_latencies: list[float] | None = None,
) -> dict[str, Any]:
    """Plays ``games`` full matches of ``policy`` against ``opponent`` (through the arena's runner).

    Args:
        policy: Callable obs -> action (an :class:`Agent` works; it is reset between matches).
        opponent: A bot name (``random``, ``cpu_medium``...) or a callable obs -> action.
        games: Number of matches.
        characters: (policy's character, opponent's character).
        frame_skip: Ticks per decision (both sides).
        seed: Seed of the first match (match ``i`` uses ``seed + i``).
        max_rounds: Rounds per match.
        alternate_sides: Play odd matches as ``p2`` (the state obs is mirrored, so this tests both).
        obs_type: What ``policy`` observes, ``"state"`` or ``"pixels"`` (opponents get state).
        latencies: If given, each decision's wall-clock duration in seconds is appended to it.
        cpu_latencies: If given (with ``latencies``), each decision's CPU time of this thread.

    Returns:
        ``{"games", "wins", "losses", "draws", "win_rate"}``.
    """
    from tournaments.arena.env import observe_pixels
    from tournaments.arena.runner import Player, make_player, run_match

    if obs_type not in ("state", "pixels"):
        raise ValueError(f'obs_type must be "state" or "pixels", got {obs_type!r}')
    act = getattr(policy, "act", policy)

    def timed(obs: Any) -> int:
        if latencies is None:
            return act(obs)
        c0, t0 = time.thread_time(), time.perf_counter()
        action = act(obs)
        latencies.append(time.perf_counter() - t0)
        if cpu_latencies is not None:
            cpu_latencies.append(time.thread_time() - c0)
        return action

    reset = getattr(policy, "reset", None)
    me = Player(
        "agent",
        policy=timed,
        decision_ticks=frame_skip,
        budget_s=None,  # measured here, not enforced: this is a training/evaluation tool
        reset=(lambda _seed: reset()) if callable(reset) else None,
        observe=observe_pixels if obs_type == "pixels" else None,
    )
    wins = losses = draws = 0
    for i in range(games):
        side = "p2" if alternate_sides and i % 2 else "p1"
        other = make_player(opponent, seed=seed + i, decision_ticks=frame_skip, budget_s=None)
        players = (me, other) if side == "p1" else (other, me)
        chars = tuple(characters) if side == "p1" else tuple(reversed(characters))
        result = run_match(
            players, seed=seed + i, characters=chars, max_rounds=max_rounds, banner_ticks=0,
            on_error="raise",
        )  # fmt: skip
        if result.winner == side:
            wins += 1
        elif result.winner == "draw":
            draws += 1
        else:
            losses += 1
    return {
        "games": games, "wins": wins, "losses": losses, "draws": draws,
        "win_rate": wins / games if games else 0.0,
    }  # fmt: skip


def latency_stats(latencies: Sequence[float]) -> dict[str, float]:
    """Mean, median and 99th percentile of decision times, in milliseconds."""
    a = np.asarray(latencies, dtype=np.float64) * 1000.0
    if a.size == 0:
        return {"mean_ms": 0.0, "p50_ms": 0.0, "p99_ms": 0.0, "n": 0}
    return {
        "mean_ms": float(a.mean()), "p50_ms": float(np.percentile(a, 50)),
        "p99_ms": float(np.percentile(a, 99)), "n": int(a.size),
    }  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    import torch

    from .agent_file import AgentFileError, load_agent

    parser = argparse.ArgumentParser(
        prog="python -m tournaments.agents.evaluate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("agent", help="agent folder or .zip")
    parser.add_argument(
        "--opponent",
        default="cpu_medium",
        help="random, cpu_easy, cpu_medium, cpu_hard, or another agent's path",
    )
    parser.add_argument("--games", type=int, default=100, help="matches to play (default 100)")
    parser.add_argument(
        "--characters",
        nargs=2,
        metavar=("MINE", "THEIRS"),
        default=None,
        help="characters (default: the agent's)",
    )
    parser.add_argument("--seed", type=int, default=12345, help="seed of the first match")
    parser.add_argument("--max-rounds", type=int, default=3, help="rounds per match")
    args = parser.parse_args(argv)
    if args.games < 1:
        parser.error("--games must be at least 1")

    torch.set_num_threads(1)  # as in a match worker: one thread is fastest for one decision
    try:
        agent = load_agent(args.agent)
        opponent: Any = args.opponent
        if opponent not in ("random", "cpu_easy", "cpu_medium", "cpu_hard"):
            opponent = load_agent(opponent)
            if opponent.obs_type != "state":
                raise AgentFileError("an opponent agent must observe the state vector")
    except AgentFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    characters = args.characters or (agent.config.get("characters") or ["kaito", "kaito"])
    latencies: list[float] = []
    cpu_latencies: list[float] = []
    t0 = time.monotonic()
    try:
        result = play_matches(
            agent, opponent, games=args.games, characters=characters, frame_skip=agent.frame_skip,
            seed=args.seed, max_rounds=args.max_rounds, latencies=latencies,
            cpu_latencies=cpu_latencies, obs_type=agent.obs_type,
        )  # fmt: skip
    except ValueError as exc:  # e.g. an unknown character name
        print(f"error: {exc}", file=sys.stderr)
        return 2
    lat, cpu = latency_stats(latencies), latency_stats(cpu_latencies)
    print(f"agent      {args.agent} ({agent.architecture}, frame skip {agent.frame_skip})")
    print(f"opponent   {args.opponent}   characters {characters[0]} vs {characters[1]}")
    record = f"wins {result['wins']}, losses {result['losses']}, draws {result['draws']}"
    print(f"games      {result['games']}  ({record})")
    print(f"win rate   {result['win_rate']:.1%}")
    print(
        f"decision   mean {lat['mean_ms']:.3f} ms   p50 {lat['p50_ms']:.3f} ms   "
        f"p99 {lat['p99_ms']:.3f} ms   ({lat['n']} decisions, 1 thread, wall clock)"
    )
    # CPU time is what the decision itself costs; wall clock also counts a busy machine.
    print(
        f"decision   mean {cpu['mean_ms']:.3f} ms   p50 {cpu['p50_ms']:.3f} ms   "
        f"p99 {cpu['p99_ms']:.3f} ms   (CPU time of the acting thread)"
    )
    print(f"wall time  {time.monotonic() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
