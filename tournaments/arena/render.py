"""Draws a game state as an SNES-like 256×224 RGB frame with a HUD, using numpy slice fills.

Nothing here loops over pixels in Python: a frame is a copy of a precomputed background, a few
dozen rectangle fills and cached text masks, which keeps rendering in the thousands of frames
per second.
"""

from __future__ import annotations

import numpy as np

from .characters import MAX_HEALTH, SUB
from .font import text_mask
from .game import (
    ATTACK,
    DRAW,
    FIGHT,
    HITSTUN,
    KNOCKDOWN,
    P1_WON,
    STAGE_LEFT,
    STAGE_RIGHT,
    TICKS_PER_SECOND,
    Game,
)
from .pose import (
    GROUND_Y,
    OUTLINE,
    PLAYER_BANDS,
    anchor,
    effects,
    ko_flash,
    palette,
    pose_of,
    relative_limbs,
)

WIDTH, HEIGHT = 256, 224

Color = tuple[int, int, int]

# Banner geometry and colours. The detection profile (profile/arena.json) points at these boxes,
# so p1 and p2 wins differ both in place (left/right) and in colour (blue/red).
KO_BOX = (78, 52, 100, 36)
P1_WINS_BOX = (12, 102, 100, 26)
P2_WINS_BOX = (144, 102, 100, 26)
DRAW_BOX = (88, 102, 80, 26)
_P1_BANNER = ((20, 30, 130), (90, 225, 255))
_P2_BANNER = ((130, 20, 20), (255, 175, 40))
_DRAW_BANNER = ((60, 60, 60), (230, 230, 230))
_PLAYER_BAND = PLAYER_BANDS


def _background() -> np.ndarray:
    bg = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
    rows = np.arange(GROUND_Y, dtype=np.int32)[:, None]
    # Evening sky: a vertical gradient from deep blue to orange.
    top, bottom = np.array([30, 30, 90]), np.array([230, 140, 80])
    bg[:GROUND_Y] = (top + (bottom - top) * rows / GROUND_Y).astype(np.uint8)[:, None, :]
    bg[150:GROUND_Y:, :] = (90, 70, 80)  # distant buildings
    for i, x in enumerate(range(0, WIDTH, 22)):
        bg[150 - 10 - (i * 37) % 40 : 150, x : x + 16] = (70, 55, 70)
    bg[GROUND_Y:] = (110, 90, 60)
    bg[GROUND_Y : GROUND_Y + 2] = (150, 125, 85)
    bg[GROUND_Y + 8 :: 6] = (95, 75, 50)
    bg[:, :STAGE_LEFT] = (50, 50, 60)  # walls
    bg[:, STAGE_RIGHT:] = (50, 50, 60)
    bg.setflags(write=False)
    return bg


_BACKGROUND = _background()


def _rect(frame: np.ndarray, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
    """Fill [x0, x1) × [y0, y1), clipped to the frame."""
    x0 = max(x0, 0)
    y0 = max(y0, 0)
    if x1 > x0 and y1 > y0:
        frame[y0:y1, x0:x1] = color


def _text(frame: np.ndarray, text: str, x: int, y: int, color: Color, scale: int = 1) -> None:
    mask = text_mask(text, scale)
    h, w = mask.shape
    frame[y : y + h, x : x + w][mask] = color


def _stroke(rgb: np.ndarray, mask: np.ndarray, limb: tuple[int, ...], width: int,
            color: Color) -> None:  # fmt: skip
    """Paint a round-capped stroke (a capsule) of ``width`` px into a sprite."""
    x0, y0, x1, y1 = limb[0], limb[1], limb[2], limb[3]
    r = width / 2
    h, w = mask.shape
    bx0, bx1 = max(0, int(min(x0, x1) - r)), min(w, int(max(x0, x1) + r) + 1)
    by0, by1 = max(0, int(min(y0, y1) - r)), min(h, int(max(y0, y1) + r) + 1)
    if bx1 <= bx0 or by1 <= by0:
        return
    px = np.arange(bx0, bx1, dtype=np.float32)[None, :] + 0.5 - x0
    py = np.arange(by0, by1, dtype=np.float32)[:, None] + 0.5 - y0
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    if length2:
        t = np.clip((px * dx + py * dy) / length2, 0.0, 1.0)
        px = px - t * dx
        py = py - t * dy
    inside = px * px + py * py <= r * r
    rgb[by0:by1, bx0:bx1][inside] = color
    mask[by0:by1, bx0:bx1] |= inside


Sprite = tuple[np.ndarray, np.ndarray, int, int, np.ndarray, np.ndarray]
_SPRITES: dict[tuple[object, ...], Sprite] = {}
_SPRITE_CACHE_SIZE = 4096


def _sprite(parts: tuple[tuple[int, ...], ...], pal: tuple[Color, ...]) -> Sprite:
    """The fighter drawn from limbs relative to its anchor: (RGB, coverage, x0, y0, flat
    offsets of its pixels in a frame, their colours), where (x0, y0) is the sprite's corner
    relative to the anchor."""
    key = (parts, pal)
    hit = _SPRITES.get(key)
    if hit is not None:
        return hit
    pad = max(lb[4] for lb in parts) // 2 + 3
    ox = min(min(lb[0], lb[2]) for lb in parts) - pad
    oy = min(min(lb[1], lb[3]) for lb in parts) - pad
    rel = [(lb[0] - ox, lb[1] - oy, lb[2] - ox, lb[3] - oy, lb[4], lb[5]) for lb in parts]
    w = max(max(lb[0], lb[2]) for lb in rel) + pad
    h = max(max(lb[1], lb[3]) for lb in rel) + pad
    rgb = np.zeros((h, w, 3), dtype=np.uint8)
    mask = np.zeros((h, w), dtype=bool)
    outline = pal[OUTLINE]
    for lb in rel:
        _stroke(rgb, mask, lb, lb[4] + 2, outline)
        _stroke(rgb, mask, lb, lb[4], pal[lb[5]])
    if len(_SPRITES) >= _SPRITE_CACHE_SIZE:
        _SPRITES.clear()
    ys, xs = np.nonzero(mask)
    # Offsets into a flattened frame row-major: blitting is then one indexed assignment.
    sprite = (rgb, mask[:, :, None], ox, oy, ys * WIDTH + xs, rgb[ys, xs])
    _SPRITES[key] = sprite
    return sprite


def _blit(frame: np.ndarray, rgb: np.ndarray, mask: np.ndarray, x: int, y: int) -> None:
    """Copy ``rgb`` where ``mask`` (h, w, 1) is set onto the frame at (x, y), clipped."""
    h, w = mask.shape[:2]
    fx0, fy0 = max(x, 0), max(y, 0)
    fx1, fy1 = min(x + w, frame.shape[1]), min(y + h, frame.shape[0])
    if fx1 <= fx0 or fy1 <= fy0:
        return
    sy, sx = slice(fy0 - y, fy1 - y), slice(fx0 - x, fx1 - x)
    np.copyto(frame[fy0:fy1, fx0:fx1], rgb[sy, sx], where=mask[sy, sx])


def _fighter(frame: np.ndarray, game: Game, player: int) -> None:
    f = game.p1 if player == 0 else game.p2
    name, pose_frame, length = pose_of(game, player)
    parts = relative_limbs(f.char.name, name, pose_frame, length, f.facing)
    rgb, mask, ox, oy, offsets, colours = _sprite(parts, palette(f.char.colors, player))
    cx, fy = anchor(f)
    x, y = cx + ox, fy + oy
    h, w = mask.shape[:2]
    if x >= 0 and y >= 0 and x + w <= WIDTH and y + h <= HEIGHT:
        frame.reshape(-1, 3)[offsets + (y * WIDTH + x)] = colours
    else:
        _blit(frame, rgb, mask, x, y)


def _effects(frame: np.ndarray, game: Game) -> None:
    for e in effects(game):
        color = tuple(e["color"])
        for ray in e["rays"]:
            x0, y0, x1, y1, w = ray
            bx, by = min(x0, x1) - w, min(y0, y1) - w
            rgb = np.zeros((abs(y1 - y0) + 2 * w + 1, abs(x1 - x0) + 2 * w + 1, 3), np.uint8)
            mask = np.zeros(rgb.shape[:2], dtype=bool)
            _stroke(rgb, mask, (x0 - bx, y0 - by, x1 - bx, y1 - by), w, color)  # type: ignore[arg-type]
            _blit(frame, rgb, mask[:, :, None], bx, by)
        if e["number"] is not None:
            x, y = e["number"]
            text = str(e["damage"])
            tw = text_mask(text).shape[1]
            tint = _NUMBER_COLORS[e["kind"]]
            _text(frame, text, x - tw // 2 + 1, y + 1, (20, 20, 20))
            _text(frame, text, x - tw // 2, y, tint)


_NUMBER_COLORS = {"hit": (255, 236, 90), "block": (170, 215, 255)}


def _combo(frame: np.ndarray, game: Game) -> None:
    """ "N HITS" on the attacker's side while its combo on the defender goes on."""
    for player, f in enumerate((game.p1, game.p2)):
        if f.combo < 2 or f.state not in (HITSTUN, KNOCKDOWN):
            continue
        text = f"{f.combo} HITS"
        tw = text_mask(text, 2).shape[1]
        x = 16 if player == 1 else WIDTH - 16 - tw  # the attacker is the other player
        _text(frame, text, x + 1, 45, (20, 20, 20), 2)
        _text(frame, text, x, 44, (255, 200, 40), 2)


def _ko_flash(frame: np.ndarray, game: Game) -> None:
    a = ko_flash(game)
    if a > 0:
        frame[:] = (frame * (1 - a) + 255 * a).astype(np.uint8)


def _names_and_odds(frame: np.ndarray, match: dict | None, win_p1: float | None) -> None:
    """Players' names and ratings, and the win-probability bar, on the ground strip."""
    if match:
        for i, side in enumerate(("p1", "p2")):
            info = match.get(side) or {}
            name = str(info.get("name") or "")[:16]
            rating = info.get("rating")
            text = f"{name} {round(rating)}" if rating is not None else name
            tw = text_mask(text).shape[1]
            x = 10 if i == 0 else WIDTH - 10 - tw
            _text(frame, text, x + 1, 204, (20, 20, 20))
            _text(frame, text, x, 203, (255, 255, 255))
    if win_p1 is not None:
        p = min(1.0, max(0.0, float(win_p1)))
        x0, x1, y0, y1 = 10, WIDTH - 10, 213, 221
        split = x0 + round((x1 - x0) * p)
        _rect(frame, x0 - 1, y0 - 1, x1 + 1, y1 + 1, (20, 20, 20))
        _rect(frame, x0, y0, split, y1, _PLAYER_BAND[0])
        _rect(frame, split, y0, x1, y1, _PLAYER_BAND[1])
        _rect(frame, (x0 + x1) // 2, y0 - 2, (x0 + x1) // 2 + 1, y1 + 2, (255, 255, 255))
        left, right = f"{round(100 * p)}%", f"{100 - round(100 * p)}%"
        _text(frame, left, x0 + 2, y0 + 1, (255, 255, 255))
        _text(frame, right, x1 - 2 - text_mask(right).shape[1], y0 + 1, (255, 255, 255))


def _hud(frame: np.ndarray, game: Game) -> None:
    for i, f in enumerate((game.p1, game.p2)):
        x0 = 16 if i == 0 else 144
        _rect(frame, x0 - 1, 9, x0 + 97, 19, (20, 20, 20))
        _rect(frame, x0, 10, x0 + 96, 18, (170, 20, 20))
        fill = 96 * max(f.health, 0) // MAX_HEALTH
        if i == 0:  # bars drain toward the centre
            _rect(frame, x0 + 96 - fill, 10, x0 + 96, 18, (250, 220, 40))
        else:
            _rect(frame, x0, 10, x0 + fill, 18, (250, 220, 40))
        name = f.char.display
        name_w = text_mask(name).shape[1]
        _text(frame, name, x0 if i == 0 else x0 + 96 - name_w, 22, (255, 255, 255))
        for w in range(f.wins):
            wx = x0 + 96 - 8 - 9 * w if i == 0 else x0 + 2 + 9 * w
            _rect(frame, wx, 31, wx + 6, 37, (255, 200, 0))
    seconds = min(99, -(-game.timer // TICKS_PER_SECOND))
    _rect(frame, 114, 6, 142, 24, (20, 20, 20))
    _text(frame, f"{seconds:02d}", 117, 8, (255, 255, 255), 2)


def _banner(frame: np.ndarray, box: tuple[int, int, int, int], text: str,
            colors: tuple[Color, Color], scale: int) -> None:  # fmt: skip
    x, y, w, h = box
    frame[y : y + h, x : x + w] = colors[0]
    mask = text_mask(text, scale)
    th, tw = mask.shape
    _text(frame, text, x + (w - tw) // 2, y + (h - th) // 2, colors[1], scale)


def draw_banners(frame: np.ndarray, game: Game) -> None:
    """Draw the K.O. (or TIME) banner and the round winner's banner for the last round."""
    result = game.round_results[-1]
    ko = game.p1.health <= 0 or game.p2.health <= 0
    _banner(frame, KO_BOX, "K.O." if ko else "TIME", ((0, 0, 0), (235, 30, 30)), 4)
    if result == P1_WON:
        _banner(frame, P1_WINS_BOX, "P1 WINS", _P1_BANNER, 2)
    elif result == DRAW:
        _banner(frame, DRAW_BOX, "DRAW", _DRAW_BANNER, 2)
    else:
        _banner(frame, P2_WINS_BOX, "P2 WINS", _P2_BANNER, 2)


def render_frame(
    game: Game, scale: int = 1, *, match: dict | None = None, win_p1: float | None = None
) -> np.ndarray:
    """Render ``game`` as an RGB image.

    Args:
        game: the game to draw.
        scale: integer magnification (2 gives 512×448).
        match: the players' names and ratings, as the spectators' snapshot carries them
            (``{"p1": {"name", "rating"}, "p2": {...}}``), drawn at the bottom; None: none.
        win_p1: p1's win probability (0..1) for the broadcast bar at the bottom; None: no bar.

    Returns:
        uint8 array of shape ``(224·scale, 256·scale, 3)``.
    """
    if scale < 1 or int(scale) != scale:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    frame = _BACKGROUND.copy()
    for p in game.projectiles:
        owner = game.p1 if p[0] == 0 else game.p2
        cx, hw = p[1] // SUB, p[4] // SUB
        bottom = GROUND_Y - p[2] // SUB
        _rect(frame, cx - hw, bottom - p[5] // SUB, cx + hw, bottom, owner.char.colors[1])
        _rect(frame, cx - hw + 2, bottom - p[5] // SUB + 2, cx + hw - 2, bottom - 2,
              (255, 255, 255))  # fmt: skip
    # The fighter that is attacking is drawn last so its limb shows over the other.
    for player in (1, 0) if game.p1.state == ATTACK else (0, 1):
        _fighter(frame, game, player)
    if game.hits:
        _effects(frame, game)
    _ko_flash(frame, game)
    _hud(frame, game)
    _combo(frame, game)
    _names_and_odds(frame, match, win_p1)
    if game.phase != FIGHT and game.round_results:
        draw_banners(frame, game)
    if scale > 1:
        frame = upscale(frame, scale)
    return frame


def upscale(frame: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-neighbour magnification by an integer factor (one broadcast copy)."""
    h, w, c = frame.shape
    out = np.empty((h, scale, w, scale, c), dtype=frame.dtype)
    out[:] = frame[:, None, :, None, :]
    return out.reshape(h * scale, w * scale, c)
