"""Scripted opponents that act on the state observation (``obs="state"``), from either side.

Every bot is ``act(obs) -> int`` over the own-perspective vector of ``observe`` (so the same bot
plays p1 or p2), is callable (``bot(obs)``), and is deterministic given its seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

from .actions import ACTION_INDEX, N_ACTIONS
from .characters import CHARACTER_NAMES, CHARACTERS, KICK, LOW_KICK, PUNCH, Character
from .game import STAGE_LEFT, STAGE_RIGHT
from .obs import OBS_INDEX

_STAGE_W = STAGE_RIGHT - STAGE_LEFT
_I = OBS_INDEX
_A = ACTION_INDEX
_SELF_CHAR = [_I[f"self_char_{c}"] for c in CHARACTER_NAMES]
_OPP_CHAR = [_I[f"opp_char_{c}"] for c in CHARACTER_NAMES]


class RandomBot:
    """Picks a uniformly random action every decision.

    Args:
        seed: seeds the bot's own generator.
    """

    name = "random"

    def __init__(self, seed: int | None = 0) -> None:
        self._rng = random.Random(seed)

    def reset(self, seed: int | None = None) -> None:
        """Reseed the generator (None keeps the current sequence)."""
        if seed is not None:
            self._rng = random.Random(seed)

    def act(self, obs: np.ndarray) -> int:
        """Return a random action index."""
        return self._rng.randrange(N_ACTIONS)

    __call__ = act


# Per level: (chance to act randomly, chance to see a threat and block it, anti-air,
#             punish whiffs, decisions to repeat before deciding again).
# Tuned by measurement (mirror matches, see tests/arena/test_bots_are_ordered_in_strength.py):
# over 160 games hard beats medium 89%, medium beats easy 88%, easy beats random 91%,
# medium beats random 96%, hard beats easy 98%.
_LEVELS: dict[str, tuple[float, float, bool, bool, int]] = {
    "easy": (0.6, 0.1, False, False, 0),
    "medium": (0.3, 0.6, False, True, 0),
    "hard": (0.0, 0.95, True, True, 0),
}


class CpuBot:
    """A rule-based fighter at three strengths: ``"easy"``, ``"medium"``, ``"hard"``.

    Rules, in order: get out of the way of incoming projectiles, block attacks it sees coming
    (with the right guard for lows), anti-air jump-ins, punish whiffed attacks, attack when in
    reach, zone with the special from afar, otherwise walk in. Lower levels act randomly more
    often, block less and skip anti-airs and punishes.

    Args:
        level: ``"easy"``, ``"medium"`` or ``"hard"``.
        seed: seeds the bot's own generator.
    """

    def __init__(self, level: str = "medium", seed: int | None = 0) -> None:
        if level not in _LEVELS:
            raise ValueError(f"unknown CPU level {level!r}; choose easy, medium or hard")
        self.level = level
        self.name = f"cpu_{level}"
        self._random, self._block, self._anti_air, self._punish, self._delay = _LEVELS[level]
        self._rng = random.Random(seed)
        self._last = 0
        self._wait = 0

    def reset(self, seed: int | None = None) -> None:
        """Reseed the generator (None keeps the current sequence) and forget the last decision."""
        if seed is not None:
            self._rng = random.Random(seed)
        self._last = 0
        self._wait = 0

    def act(self, obs: np.ndarray) -> int:
        """Return the action for observation ``obs`` (own perspective state vector)."""
        if self._wait > 0:
            self._wait -= 1
            return self._last
        rng = self._rng
        if rng.random() < self._random:
            action = rng.randrange(N_ACTIONS)
        else:
            action = self._decide(obs)
        self._last = action
        self._wait = self._delay
        return action

    __call__ = act

    def _decide(self, o: np.ndarray) -> int:
        rng = self._rng
        me = CHARACTERS[CHARACTER_NAMES[int(np.argmax(o[_SELF_CHAR]))]]
        opp = CHARACTERS[CHARACTER_NAMES[int(np.argmax(o[_OPP_CHAR]))]]
        # Gap between my centre and the front of the opponent's body, in pixels.
        dist = abs(float(o[_I["dx"]])) * _STAGE_W - opp.half_width
        behind = o[_I["dx"]] < 0  # crossed up: my "forward" points away from them
        if o[_I["self_state_blockstun"]] or o[_I["self_state_hitstun"]]:
            return _A["down_back"] if o[_I["opp_move_low_kick"]] else _A["back"]
        if behind:
            return _A["back"]  # turning happens on the ground; step toward them
        sees = rng.random() < self._block
        # An incoming projectile: jump it from mid range, else block it.
        if o[_I["opp_proj"]] and 0 < o[_I["opp_proj_dx"]] < 0.3 and sees:
            if o[_I["self_cooldown"]] == 0 and o[_I["opp_proj_dx"]] > 0.15:
                return _A["special"]  # trade projectiles
            return _A["back"]
        opp_attacking = o[_I["opp_state_attack"]] and not o[_I["opp_move_special"]]
        progress = o[_I["opp_move_progress"]]
        if opp_attacking and dist < 70:
            if self._punish and progress > 0.6 and dist < _reach(me, KICK):
                return _A["kick"]  # whiffed and recovering: punish
            if sees:
                if o[_I["opp_move_low_kick"]] or o[_I["opp_move_low_punch"]]:
                    return _A["down_back"]
                return _A["back"]
        airborne = o[_I["opp_y"]] > 0.15
        if airborne and dist < 50:
            if self._anti_air:
                return _A["punch"] if dist < _reach(me, PUNCH) + 10 else _A["back"]
            return _A["back"] if sees else _A["noop"]
        opp_stunned = o[_I["opp_state_hitstun"]] or o[_I["opp_state_blockstun"]]
        if opp_stunned and dist < _reach(me, PUNCH):
            return _A["punch"]
        if o[_I["opp_state_knockdown"]]:
            return _A["back"] if dist < 30 else _A["noop"]  # wait for them to get up, guarded
        if dist < _reach(me, LOW_KICK) - 2:
            roll = rng.random()
            if roll < 0.4:
                return _A["down_kick"]
            if roll < 0.7 and dist < _reach(me, PUNCH):
                return _A["punch"]
            return _A["kick"] if dist < _reach(me, KICK) else _A["down_kick"]
        if dist > 90 and o[_I["self_cooldown"]] == 0:
            return _A["special"]
        return _A["forward"]


def _reach(char: Character, move: int) -> float:
    """How far in front of the centre ``move`` of ``char`` reaches, in pixels."""
    m = char.moves[move]
    return float(m.reach_x + m.width)


Policy = Callable[[np.ndarray], int]

BOT_NAMES = ("random", "cpu_easy", "cpu_medium", "cpu_hard")


def make_bot(name: str, seed: int | None = 0) -> RandomBot | CpuBot:
    """Build a scripted bot by name: one of ``BOT_NAMES``.

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if name == "random":
        return RandomBot(seed)
    if name.startswith("cpu_") and name[4:] in _LEVELS:
        return CpuBot(name[4:], seed)
    raise ValueError(f"unknown bot {name!r}; choose from {', '.join(BOT_NAMES)}")
