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
    HITSTUN,
    KNOCKDOWN,
    MATCH_OVER,
    STAGE_LEFT,
    STAGE_RIGHT,
    STATE_NAMES,
    TICKS_PER_SECOND,
    Fighter,
    Game,
)
from .pose import effects, ko_flash, limbs, palette, pose_of
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


def _fighter(game: Game, player: int) -> dict[str, Any]:
    f = game.p1 if player == 0 else game.p2
    height = f.hurt_height() // SUB
    pose = pose_of(game, player)
    combo = f.combo if f.combo >= 2 and f.state in (HITSTUN, KNOCKDOWN) else 0
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
        "pose": pose[0],
        "pose_frame": pose[1],
        "limbs": limbs(game, player, pose),
        "palette": [list(c) for c in palette(f.char.colors, player)],
        "combo": combo,
        "combo_damage": f.combo_damage if combo else 0,
    }


def frame_state(game: Game) -> dict[str, Any]:
    """Everything a spectator's browser needs to draw the current tick.

    Returns:
        A dict of plain ints, strings, lists and None: ``tick``, ``phase`` ("fight",
        "round_over", "match_over"), ``timer`` (seconds shown), ``round``, ``fighters`` (p1,
        p2), ``projectiles``, ``banner`` (None during a fight, else ``{"ko": "K.O."|"TIME",
        "winner": "p1"|"p2"|"draw"}``), ``match_winner`` and ``stage`` (geometry).
        For the show (``tournaments.arena.pose``): each fighter's ``pose`` (a name from
        ``poses.json``, e.g. "idle", "walk", "kick_active", "hitstun", "knockdown"),
        ``pose_frame`` (ticks into it), ``limbs`` (``[x0, y0, x1, y1, width, color]`` strokes,
        back to front; ``color`` indexes ``palette``), ``palette`` (RGB), ``combo`` (clean hits
        in a row this fighter is taking, 0 unless ≥ 2 and still stunned) and ``combo_damage``;
        ``effects`` (recent hits: sparks, block flashes and damage numbers, ``age`` 0 = this
        tick) and ``ko_flash`` (the white flash's opacity after a K.O., fading to 0).
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
        "fighters": [_fighter(game, 0), _fighter(game, 1)],
        "projectiles": projectiles,
        "banner": banner,
        "match_winner": game.winner if game.phase == MATCH_OVER else None,
        "stage": STAGE,
        "effects": effects(game),
        "ko_flash": ko_flash(game),
    }
