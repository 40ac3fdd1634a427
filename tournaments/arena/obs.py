"""The state observation: a float32 vector from one fighter's own perspective.

The frame is mirrored so that the observing fighter always faces +x: "forward" in the
vector is "forward" in the action set, and one network can play either side (self-play).
Layout: ``OBS_FIELDS`` names every entry; ``OBS_INDEX[name]`` is its position.
"""

from __future__ import annotations

import numpy as np

from .characters import CHARACTER_NAMES, MAX_HEALTH, MOVE_NAMES, SUB
from .game import KNOCKDOWN_TICKS, STAGE_LEFT, STAGE_RIGHT, STATE_NAMES, Fighter, Game

_FIGHTER_FIELDS = (
    ["x", "y", "vx", "vy", "facing", "health", "timer", "move_progress", "cooldown", "back",
     "down", "wins"]
    + [f"state_{s}" for s in STATE_NAMES]
    + [f"move_{m}" for m in MOVE_NAMES]
    + [f"char_{c}" for c in CHARACTER_NAMES]
)  # fmt: skip
OBS_FIELDS: tuple[str, ...] = tuple(
    [f"self_{n}" for n in _FIGHTER_FIELDS]
    + [f"opp_{n}" for n in _FIGHTER_FIELDS]
    + ["dx", "dy", "round_timer", "own_proj", "own_proj_dx", "opp_proj", "opp_proj_dx",
       "opp_proj_dy"]
)  # fmt: skip
"""Names of the observation entries, in order."""
OBS_INDEX: dict[str, int] = {name: i for i, name in enumerate(OBS_FIELDS)}
OBS_SIZE = len(OBS_FIELDS)

_MIRROR = (STAGE_LEFT + STAGE_RIGHT) * SUB
_CENTRE = _MIRROR / 2
_HALF = (STAGE_RIGHT - STAGE_LEFT) * SUB / 2
_WIDTH = (STAGE_RIGHT - STAGE_LEFT) * SUB
_N_STATES = len(STATE_NAMES)
_N_MOVES = len(MOVE_NAMES)
_CHAR_INDEX = {c: i for i, c in enumerate(CHARACTER_NAMES)}


def _onehots(n: int) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(1.0 if i == k else 0.0 for i in range(n)) for k in range(n))


# One-hot blocks as ready tuples: concatenating them beats building lists per call.
_STATE_HOT = _onehots(_N_STATES)
_MOVE_HOT = ((0.0,) * _N_MOVES,) + _onehots(_N_MOVES)  # index move + 1 (-1 = none)
_CHAR_HOT = dict(zip(CHARACTER_NAMES, _onehots(len(CHARACTER_NAMES)), strict=True))


def _fighter(f: Fighter, mirror: bool) -> tuple[float, ...]:
    x = _MIRROR - f.x if mirror else f.x
    sign = -1 if mirror else 1
    move = f.move
    return (
        (
            (x - _CENTRE) / _HALF,
            f.y / (64 * SUB),
            sign * f.vx / 64,
            f.vy / 160,
            sign * f.facing,
            f.health / MAX_HEALTH,
            min(f.timer, KNOCKDOWN_TICKS) / KNOCKDOWN_TICKS,
            f.move_t / f.moves[move][2] if move >= 0 else 0.0,
            f.cooldown / f.char.projectile.cooldown,
            float(f.back),
            float(f.down),
            f.wins / 2,
        )
        + _STATE_HOT[f.state]
        + _MOVE_HOT[move + 1]
        + _CHAR_HOT[f.char.name]
    )


def observe(game: Game, player: int) -> np.ndarray:
    """Return the observation vector of ``player`` (0 for p1, 1 for p2).

    Args:
        game: the game to observe.
        player: 0 observes as p1, 1 as p2.

    Returns:
        float32 array of shape ``(OBS_SIZE,)``, entries roughly in [-1, 1].
    """
    me, opp = (game.p1, game.p2) if player == 0 else (game.p2, game.p1)
    mirror = me.facing < 0
    sign = -1 if mirror else 1
    own: tuple[float, ...] = (0.0, 0.0)
    theirs: tuple[float, ...] = (0.0, 0.0, 0.0)
    for p in game.projectiles:
        dx = sign * (p[1] - me.x) / _WIDTH
        if p[0] == player:
            own = (1.0, dx)
        elif not theirs[0] or abs(dx) < abs(theirs[1]):  # the nearest incoming one
            theirs = (1.0, dx, (p[2] - me.y) / (64 * SUB))
    shared = (
        sign * (opp.x - me.x) / _WIDTH,
        (opp.y - me.y) / (64 * SUB),
        game.timer / game.round_ticks,
    )
    return np.array(
        _fighter(me, mirror) + _fighter(opp, mirror) + shared + own + theirs, dtype=np.float32
    )
