"""Fighter poses and hit effects from the one pose table (``poses.json``), as drawable limbs.

Both renderers draw what this module resolves: ``render.py`` rasterises the limbs into the
video frame, and ``frame_state`` sends the same limbs to the browser, where ``arena.js`` strokes
them on a canvas. So the page and the video cannot drift apart: neither knows a pose.

A limb is ``[x0, y0, x1, y1, width, color]`` in screen pixels (a round-capped stroke; a dot
when both ends are equal); ``color`` indexes the fighter's palette (``palette(...)``). Each
limb is drawn as an outline stroke ``width + 2`` wide in ``palette[OUTLINE]``, then the
stroke itself, in list order (back to front).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from .characters import SUB, get_character, move_row
from .game import (
    ATTACK,
    BLOCKSTUN,
    CROUCH,
    DEFEATED,
    DRAW,
    HITSTUN,
    JUMP,
    KNOCKDOWN,
    KNOCKDOWN_TICKS,
    ROUND_OVER,
    WALK,
    Fighter,
    Game,
)

GROUND_Y = 200
"""Screen row of the fighters' feet."""
TABLE_PATH = Path(__file__).with_name("poses.json")
TABLE: dict[str, Any] = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
JOINTS: tuple[str, ...] = tuple(TABLE["joints"])
PALETTE_NAMES: tuple[str, ...] = tuple(TABLE["palette"])
OUTLINE = PALETTE_NAMES.index("outline")
FLASH = PALETTE_NAMES.index("flash")
PLAYER_BANDS = ((40, 90, 255), (255, 50, 50))
"""Headband colours: p1 blue, p2 red (pixel observations rely on them)."""

_MOVE_POSES = ("punch", "kick", "low_punch", "low_kick", "air_kick", "special")
_LENGTHS = TABLE["pose_lengths"]
Joints = list[tuple[float, float]]


def _resolve_keys() -> dict[str, Joints]:
    raw = TABLE["keys"]
    out: dict[str, Joints] = {}

    def get(name: str) -> Joints:
        if name not in out:
            spec = raw[name]
            base = get(spec["base"]) if "base" in spec else None
            out[name] = [
                tuple(spec[j]) if j in spec else base[i]  # type: ignore[index]
                for i, j in enumerate(JOINTS)
            ]
        return out[name]

    for name in raw:
        get(name)
    return out


KEYS = _resolve_keys()
POSES: dict[str, dict[str, Any]] = TABLE["poses"]
POSE_NAMES: tuple[str, ...] = tuple(POSES)
_BONES = tuple(
    (JOINTS.index(b["a"]), JOINTS.index(b["b"]), b["r"], PALETTE_NAMES.index(b["color"]),
     bool(b.get("band")))
    for b in TABLE["bones"]
)  # fmt: skip


def pose_of(game: Game, player: int) -> tuple[str, int, int]:
    """Which pose ``player`` (0 = p1, 1 = p2) is in, as (name, frame within it, its length).

    The length is the pose's duration in ticks (looping poses: their period); frame/length is
    how far through the pose's key frames the fighter is.
    """
    f = game.p1 if player == 0 else game.p2
    state = f.state
    if game.phase == ROUND_OVER and game.round_results and state != DEFEATED:
        # The K.O. moment is held (everyone frozen as it landed), then the winner celebrates.
        result = game.round_results[-1]
        age = _banner_age(game) - _LENGTHS["ko_hold"]
        if age >= 0 and (result == player or result == DRAW and f.health > 0):
            return "victory", age, _LENGTHS["victory"]
    if state == ATTACK:
        mv = f.moves[f.move]
        name = _MOVE_POSES[f.move]
        t = f.move_t
        if t < mv[0]:
            return f"{name}_startup", t, mv[0]
        if t < mv[1]:
            return f"{name}_active", t - mv[0], mv[1] - mv[0]
        return f"{name}_recovery", t - mv[1], mv[2] - mv[1]
    if state == HITSTUN:
        return "hitstun", _since_hit(game, player), 1
    if state == BLOCKSTUN:
        return ("crouch_blockstun" if f.down else "blockstun"), _since_hit(game, player), 1
    if state == KNOCKDOWN:
        return "knockdown", KNOCKDOWN_TICKS - f.timer, _LENGTHS["knockdown"]
    if state == DEFEATED:
        return "defeated", _banner_age(game), _LENGTHS["defeated"]
    if state == JUMP:
        jump = f.char.jump
        frame = max(0, min(2 * jump, jump - f.vy))
        return "jump", frame, 2 * jump
    if state == CROUCH:
        return ("crouch_block" if f.back else "crouch"), 0, 1
    if f.back:
        return "block", 0, 1
    if state == WALK:
        return "walk", (f.x // SUB) % POSES["walk"]["loop"], POSES["walk"]["loop"]
    return "idle", game.tick % POSES["idle"]["loop"], POSES["idle"]["loop"]


def _since_hit(game: Game, player: int) -> int:
    for h in reversed(game.hits):
        if h[1] == player:
            return game.tick - h[0]
    return 99


def _banner_age(game: Game) -> int:
    return game.banner_ticks - game.banner if game.phase == ROUND_OVER else 999


def _lerp(a: Joints, b: Joints, u: float) -> Joints:
    return [
        (pa[0] + (pb[0] - pa[0]) * u, pa[1] + (pb[1] - pa[1]) * u)
        for pa, pb in zip(a, b, strict=True)
    ]


def key_joints(name: str, frame: int, length: int) -> Joints:
    """The pose's joints (standard-figure units) ``frame`` ticks into a pose ``length`` long."""
    spec = POSES[name]
    keys = spec["keys"]
    loop = spec.get("loop")
    u = (frame % loop) / loop if loop else min(1.0, frame / length if length > 0 else 1.0)
    if len(keys) == 1 or u <= keys[0][0]:
        return KEYS[keys[0][1]]
    for (t0, k0), (t1, k1) in zip(keys, keys[1:], strict=False):
        if u <= t1:
            return _lerp(KEYS[k0], KEYS[k1], (u - t0) / (t1 - t0) if t1 > t0 else 1.0)
    return KEYS[keys[-1][1]]


def _reach(mv: tuple[int, ...], joints: Joints, end: str, sx: float, sy: float, u: float) -> Joints:
    """Stretch the attacking limb so its end lands in the move's hitbox (blended by ``u``)."""
    tx = (mv[3] + mv[4] * 0.6) / SUB / sx
    ty = (mv[5] + mv[6] / 2) / SUB / sy
    e = JOINTS.index(end)
    m = e - 1  # the elbow or knee comes just before its hand or foot
    root = JOINTS.index("neck" if end == "hand_f" else "hip")
    ex, ey = joints[e]
    tx, ty = ex + (tx - ex) * u, ey + (ty - ey) * u
    rx, ry = joints[root]
    # The middle joint sits halfway, bent a little (the elbow down, the knee up).
    mx, my = (rx + tx) / 2, (ry + ty) / 2 + (-2.0 if end == "hand_f" else 2.0)
    out = list(joints)
    out[e] = (tx, ty)
    out[m] = (joints[m][0] + (mx - joints[m][0]) * u, joints[m][1] + (my - joints[m][1]) * u)
    return out


@lru_cache(maxsize=8)
def palette(colors: tuple[tuple[int, int, int], ...], player: int) -> tuple[tuple[int, ...], ...]:
    """The fighter's palette, indexed as ``PALETTE_NAMES``: its three colours, its headband,
    the three shaded for the far limbs, the outline and the hit flash."""
    shade = TABLE["shade"]
    dark = tuple(tuple(int(c * shade) for c in rgb) for rgb in colors)
    return (*colors, PLAYER_BANDS[player], *dark, tuple(TABLE["outline"]), tuple(TABLE["flash"]))


Limb = tuple[int, int, int, int, int, int]


@lru_cache(maxsize=8192)
def relative_limbs(char: str, name: str, frame: int, length: int, facing: int) -> tuple[Limb, ...]:
    """The limbs of character ``char`` in pose ``name``, relative to its feet's centre."""
    c = get_character(char)
    joints = key_joints(name, frame, length)
    sx = c.half_width / 12
    sy = c.stand_h / 64
    reach = POSES[name].get("reach")
    if reach:
        mv = move_row(c.moves[_MOVE_POSES.index(name.rsplit("_", 1)[0])])
        u = 1.0 - frame / length if POSES[name].get("reach_fade") and length else 1.0
        joints = _reach(mv, joints, reach, sx, sy, u)
    d = facing
    pts = [(d * x * sx, -y * sy) for x, y in joints]
    flash = name == "hitstun" and frame < _LENGTHS["hitstun_flash"]
    s = (sx + sy) / 2
    out: list[Limb] = []
    for a, b, r, color, band in _BONES:
        w = max(1, round(2 * r * s))
        (x0, y0), (x1, y1) = pts[a], pts[b]
        if flash and color != 2 and color != 3:
            color = FLASH
        if band:  # a headband across the brow, its tails flying behind
            hy = y0 - 2 * sy
            half = r * s
            out.append((round(x0 - half * 0.9), round(hy), round(x0 + half * 0.9), round(hy), 3,
                        color))  # fmt: skip
            out.append((round(x0 - d * half), round(hy), round(x0 - d * (half + 6)), round(hy + 3),
                        2, color))  # fmt: skip
            continue
        out.append((round(x0), round(y0), round(x1), round(y1), w, color))
    return tuple(out)


def anchor(f: Fighter) -> tuple[int, int]:
    """The screen pixel the fighter's limbs are drawn from: the centre under its feet."""
    return f.x // SUB, GROUND_Y - f.y // SUB


def limbs(game: Game, player: int, pose: tuple[str, int, int] | None = None) -> list[list[int]]:
    """The limbs to draw for ``player`` now, back to front (see the module docstring)."""
    f = game.p1 if player == 0 else game.p2
    name, frame, length = pose or pose_of(game, player)
    cx, fy = anchor(f)
    return [
        [x0 + cx, y0 + fy, x1 + cx, y1 + fy, w, c]
        for x0, y0, x1, y1, w, c in relative_limbs(f.char.name, name, frame, length, f.facing)
    ]


def effects(game: Game) -> list[dict[str, Any]]:
    """Hit sparks, block flashes and damage numbers of recent hits, newest last.

    Each: ``kind`` ("hit"/"block"), ``target`` ("p1"/"p2"), ``x``, ``y`` (screen px of the
    contact), ``age`` (ticks since the hit; 0 = this tick), ``damage``, ``rays`` (limbs-style
    ``[x0, y0, x1, y1, width]`` strokes, empty once the spark has faded), ``color`` (RGB of the
    rays) and ``number`` (the damage number's screen position, or None once it has faded).
    """
    spec = TABLE["effects"]
    out = []
    for tick, target, blocked, x, y, damage in game.hits:
        age = game.tick - tick
        kind = "block" if blocked else "hit"
        e = spec[kind]
        rays: list[list[int]] = []
        color = e["colors"][-1]
        sy = GROUND_Y - y
        if age < e["ticks"]:
            u = age / e["ticks"]
            length = e["length"][0] + (e["length"][1] - e["length"][0]) * u
            width = max(1, round(e["width"][0] + (e["width"][1] - e["width"][0]) * u))
            color = e["colors"][min(len(e["colors"]) - 1, int(u * len(e["colors"])))]
            n = e["rays"]
            for i in range(n):
                ang = 2 * math.pi * (i + 0.5 * (tick % 2)) / n
                c, s_ = math.cos(ang), math.sin(ang)
                inner = length * 0.35
                rays.append([round(x + c * inner), round(sy + s_ * inner), round(x + c * length),
                             round(sy + s_ * length), width])  # fmt: skip
        number = None
        if damage > 0 and age < spec["number_ticks"]:
            number = [x, round(sy - 14 - spec["number_rise"] * age / spec["number_ticks"])]
        if not rays and number is None:
            continue
        out.append({"kind": kind, "target": "p1" if target == 0 else "p2", "x": x, "y": sy,
                    "age": age, "damage": damage, "rays": rays, "color": list(color),
                    "number": number})  # fmt: skip
    return out


def ko_flash(game: Game) -> float:
    """How strongly the screen flashes white after a K.O. (0 = not at all; it fades out)."""
    if game.phase != ROUND_OVER or not (game.p1.health <= 0 or game.p2.health <= 0):
        return 0.0
    spec = TABLE["effects"]["ko_flash"]
    age = _banner_age(game)
    return round(spec["alpha"] * (1 - age / spec["ticks"]), 3) if age < spec["ticks"] else 0.0
