"""Record a scripted bot's play as a dataset, so behaviour cloning can be shown to imitate it.

Usage::

    python -m tournaments.agents.record --bot cpu_medium --opponent random --matches 20 \\
        --out var/datasets/cpu_medium

One row per game tick (``frame_skip=1``), exactly what the browser play page records for a
person: the recorded player's state observation, its action, the key states that give that
action, and kill/death flags on the tick a round ends.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .dataset import DEFAULT_KEY_NAMES, DatasetError, DatasetWriter


def keys_for_action(action: int, facing_right: bool) -> list[bool]:
    """Key states (``DEFAULT_KEY_NAMES`` order) that a keyboard player holds for ``action``.

    The inverse of ``tournaments.arena.action_from_keys``: forward/back become right/left
    according to which way the player faces.
    """
    from tournaments.arena import ACTIONS

    name = ACTIONS[action]
    forward = "forward" in name
    back = "back" in name
    right, left = (forward, back) if facing_right else (back, forward)
    keys = {
        "left": left,
        "right": right,
        "up": name.startswith("up"),
        "down": name.startswith("down"),
        "punch": name.endswith("punch"),
        "kick": name.endswith("kick"),
        "special": name == "special",
    }
    return [keys[k] for k in DEFAULT_KEY_NAMES]


def _make_policy(name: str) -> Any:
    from tournaments.arena.bots import make_bot

    bot = make_bot(name)
    return bot.act if hasattr(bot, "act") else bot


def record_bot_dataset(
    path: str | os.PathLike[str],
    *,
    bot: str = "cpu_medium",
    opponent: str = "random",
    matches: int = 10,
    characters: Sequence[str] = ("kaito", "kaito"),
    seed: int = 0,
    max_rounds: int = 3,
    round_seconds: int | None = None,
    decision_ticks: int = 4,
    obs: str = "state",
) -> Path:
    """Plays ``matches`` matches of ``bot`` (as p1) against ``opponent`` and records p1 per tick.

    Args:
        path: Dataset folder to create.
        bot: Bot name recorded (``random``, ``cpu_easy``, ``cpu_medium``, ``cpu_hard``).
        opponent: Bot name it plays against.
        matches: Number of matches (one episode each).
        characters: (recorded player's character, opponent's character).
        seed: Seed of the first match.
        max_rounds: Rounds per match.
        round_seconds: Shorter rounds for quick test datasets (default: the game's 99 s).
        decision_ticks: Ticks a chosen action is held, like a person's reaction time (the
            recording is still one row per tick); stored as ``frame_skip`` in the meta.
        obs: Observation recorded: ``"state"`` or ``"pixels"`` (the bots still act on state).

    Returns:
        The dataset folder.
    """
    from tournaments.arena import OBS_SIZE, PIXEL_SHAPE, make_env, observe

    kwargs: dict[str, Any] = {} if round_seconds is None else {"round_seconds": round_seconds}
    env = make_env(characters=tuple(characters), frame_skip=1, obs=obs, seed=seed,
                   max_rounds=max_rounds, **kwargs)  # fmt: skip
    obs_shape, obs_dtype = ((OBS_SIZE,), "float32") if obs == "state" else (PIXEL_SHAPE, "uint8")
    me, them = _make_policy(bot), _make_policy(opponent)
    meta = {
        "source": f"bot:{bot}", "opponent": opponent, "characters": list(characters),
        "frame_skip": decision_ticks, "obs": obs, "n_actions": int(env.action_space("p1").n),
        "side": "p1", "seed": seed,
    }  # fmt: skip
    with DatasetWriter(path, obs_shape, meta, obs_dtype=obs_dtype) as writer:
        for m in range(matches):
            seen, _ = env.reset(seed=seed + m)
            tick = 0
            a1 = a2 = 0
            last_wins = (0, 0)
            while env.agents:
                if tick % decision_ticks == 0:
                    # Bots read the state vector whatever is recorded.
                    a1, a2 = int(me(observe(env.game, 0))), int(them(observe(env.game, 1)))
                facing_right = env.game.p1.facing > 0
                prev = seen["p1"]
                seen, _, _, _, infos = env.step({"p1": a1, "p2": a2})
                # Round wins come from the info's running score: a rise is a kill/death.
                wins = tuple(infos["p1"]["wins"])
                writer.append(
                    prev, a1, keys_for_action(a1, facing_right),
                    kill=wins[0] > last_wins[0], death=wins[1] > last_wins[1],
                )  # fmt: skip
                last_wins = wins
                tick += 1
            writer.end_episode()
    env.close()
    return Path(path)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tournaments.agents.record",
        description="Record a scripted bot's play as a dataset.",
    )
    parser.add_argument("--bot", default="cpu_medium", help="bot to record (default cpu_medium)")
    parser.add_argument(
        "--opponent", default="random", help="bot it plays against (default random)"
    )
    parser.add_argument("--matches", type=int, default=10, help="matches to record (default 10)")
    parser.add_argument(
        "--characters", nargs=2, default=("kaito", "kaito"), metavar=("MINE", "THEIRS")
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the first match")
    parser.add_argument(
        "--obs", choices=("state", "pixels"), default="state", help="what to record"
    )
    parser.add_argument("--out", required=True, help="dataset folder to create")
    args = parser.parse_args(argv)
    try:
        path = record_bot_dataset(
            args.out, bot=args.bot, opponent=args.opponent, matches=args.matches,
            characters=args.characters, seed=args.seed, obs=args.obs,
        )  # fmt: skip
    except (DatasetError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from .dataset import open_dataset

    data = open_dataset(path)
    print(f"recorded {len(data)} ticks, {data.n_episodes} matches, "
          f"{int(data.kill.sum())} kills, {int(data.death.sum())} deaths -> {path}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
