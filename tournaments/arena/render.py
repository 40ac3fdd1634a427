"""Draws a game state as an SNES-like 256×224 RGB frame with a HUD, using numpy slice fills.

Nothing here loops over pixels in Python: a frame is a copy of a precomputed background, a few
dozen rectangle fills and cached text masks, which keeps rendering in the thousands of frames
per second.
"""

from __future__ import annotations

import numpy as np

from .characters import MAX_HEALTH, SPECIAL, SUB
from .font import text_mask
from .game import (
    ATTACK,
    BLOCKSTUN,
    CROUCH,
    DEFEATED,
    DRAW,
    FIGHT,
    HITSTUN,
    IDLE,
    KNOCKDOWN,
    P1_WON,
    STAGE_LEFT,
    STAGE_RIGHT,
    TICKS_PER_SECOND,
    WALK,
    Fighter,
    Game,
)

WIDTH, HEIGHT = 256, 224
GROUND_Y = 200
"""Screen row of the fighters' feet."""

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
_PLAYER_BAND = ((40, 90, 255), (255, 50, 50))


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


def _fighter(frame: np.ndarray, f: Fighter, band: Color) -> None:
    body, limbs, skin = f.char.colors
    cx = f.x // SUB
    feet = GROUND_Y - f.y // SUB
    hw = f.char.half_width
    state = f.state
    if state == KNOCKDOWN or state == DEFEATED:
        length = f.char.stand_h * 3 // 4
        x0 = cx - length // 2
        _rect(frame, x0, feet - 10, x0 + length, feet, body)
        head = x0 if f.facing > 0 else x0 + length - 10
        _rect(frame, head, feet - 12, head + 10, feet, skin)
        return
    h = f.hurt_height() // SUB
    if state == HITSTUN:
        body = (255, 255, 255)  # flash on a clean hit
    leg_top = feet - h * 2 // 5
    if f.y > 0:
        leg_top = feet - h // 4  # legs tucked in the air
    torso_top = feet - h * 4 // 5
    _rect(frame, cx - hw + 1, leg_top, cx - 2, feet, limbs)
    _rect(frame, cx + 2, leg_top, cx + hw - 1, feet, limbs)
    _rect(frame, cx - hw, torso_top, cx + hw, leg_top, body)
    _rect(frame, cx - hw // 2 - 1, feet - h, cx + hw // 2 + 1, torso_top, skin)
    _rect(frame, cx - hw // 2 - 1, feet - h + 3, cx + hw // 2 + 1, feet - h + 5, band)
    d = f.facing
    front = cx + d * hw
    if state == ATTACK and f.move != SPECIAL:
        mv = f.moves[f.move]
        if mv[0] <= f.move_t < mv[1]:
            reach, width = mv[3] // SUB, mv[4] // SUB
            lo = feet - (mv[5] + mv[6]) // SUB
            hi = feet - mv[5] // SUB
            near, far = cx + d * reach, cx + d * (reach + width)
            _rect(frame, min(near, far), lo, max(near, far), hi, skin)
            _rect(frame, min(cx, near), lo + 2, max(cx, near), hi - 2, limbs)
        else:  # wind-up or recovery: a short limb
            arm_y = feet - (mv[5] + mv[6] // 2) // SUB
            _rect(frame, min(front, front + d * 8), arm_y - 3, max(front, front + d * 8), arm_y + 3,
                  limbs)  # fmt: skip
    elif state == ATTACK:  # special: both palms forward
        y = feet - h * 3 // 5
        _rect(frame, min(front, front + d * 10), y - 4, max(front, front + d * 10), y + 4, skin)
    elif state == BLOCKSTUN or (f.back and state in (IDLE, WALK, CROUCH)):
        # Guard: forearms raised in front of the body.
        _rect(frame, min(front, front + d * 4), torso_top, max(front, front + d * 4),
              torso_top + h // 3, skin)  # fmt: skip


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


def render_frame(game: Game, scale: int = 1) -> np.ndarray:
    """Render ``game`` as an RGB image.

    Args:
        game: the game to draw.
        scale: integer magnification (2 gives 512×448).

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
    order = (game.p2, game.p1) if game.p1.state == ATTACK else (game.p1, game.p2)
    for f in order:
        _fighter(frame, f, _PLAYER_BAND[0 if f is game.p1 else 1])
    _hud(frame, game)
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
