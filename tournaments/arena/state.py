"""A compact JSON-ready picture of a game, for spectators' browsers to draw (live matches).

Coordinates are screen pixels of the 256×224 frame (y grows downward), the same geometry
``render_frame`` draws, so a canvas renderer can mirror the server's video exactly.
"""

from __future__ import annotations

from typing import Any

from .characters import MAX_HEALTH, MOVE_NAMES, SPECIAL, SUB
from .game import (
    ATTACK,
    FIGHT,
    MATCH_OVER,
    STAGE_LEFT,
    STAGE_RIGHT,
    STATE_NAMES,
    TICKS_PER_SECOND,
    Fighter,
    Game,
)
from .render import GROUND_Y, HEIGHT, WIDTH

STAGE = {"width": WIDTH, "height": HEIGHT, "ground": GROUND_Y, "left": STAGE_LEFT,
         "right": STAGE_RIGHT}  # fmt: skip
_PHASES = ("fight", "round_over", "match_over")
_RESULTS = ("p1", "p2", "draw")


def _hitbox(f: Fighter) -> list[int] | None:
    if f.state != ATTACK or f.move == SPECIAL:
        return None
    mv = f.moves[f.move]
    if not mv[0] <= f.move_t < mv[1]:
        return None
    near = f.x + f.facing * mv[3]
    far = near + f.facing * mv[4]
    x0 = min(near, far) // SUB
    top = GROUND_Y - (f.y + mv[5] + mv[6]) // SUB
    return [x0, top, mv[4] // SUB, mv[6] // SUB]


def _fighter(f: Fighter) -> dict[str, Any]:
    height = f.hurt_height() // SUB
    return {
        "name": f.char.name,
        "display": f.char.display,
        "x": f.x // SUB,
        "feet": GROUND_Y - f.y // SUB,
        "half_width": f.char.half_width,
        "height": height,
        "facing": f.facing,
        "health": max(f.health, 0),
        "max_health": MAX_HEALTH,
        "state": STATE_NAMES[f.state],
        "move": MOVE_NAMES[f.move] if f.move >= 0 else None,
        "hitbox": _hitbox(f),
        "blocking": f.back,
        "wins": f.wins,
        "colors": [list(c) for c in f.char.colors],
    }


def frame_state(game: Game) -> dict[str, Any]:
    """Everything a spectator's browser needs to draw the current tick.

    Returns:
        A dict of plain ints, strings, lists and None: ``tick``, ``phase`` ("fight",
        "round_over", "match_over"), ``timer`` (seconds shown), ``round``, ``fighters`` (p1,
        p2), ``projectiles``, ``banner`` (None during a fight, else ``{"ko": "K.O."|"TIME",
        "winner": "p1"|"p2"|"draw"}``), ``match_winner`` and ``stage`` (geometry).
    """
    banner = None
    if game.phase != FIGHT and game.round_results:
        ko = game.p1.health <= 0 or game.p2.health <= 0
        banner = {"ko": "K.O." if ko else "TIME", "winner": _RESULTS[game.round_results[-1]]}
    projectiles = [
        {
            "owner": "p1" if p[0] == 0 else "p2",
            "x": (p[1] - p[4]) // SUB,
            "y": GROUND_Y - (p[2] + p[5]) // SUB,
            "w": 2 * p[4] // SUB,
            "h": p[5] // SUB,
        }
        for p in game.projectiles
    ]
    return {
        "tick": game.tick,
        "phase": _PHASES[game.phase],
        "timer": min(99, -(-game.timer // TICKS_PER_SECOND)),
        "round": game.round,
        "fighters": [_fighter(game.p1), _fighter(game.p2)],
        "projectiles": projectiles,
        "banner": banner,
        "match_winner": game.winner if game.phase == MATCH_OVER else None,
        "stage": STAGE,
    }
