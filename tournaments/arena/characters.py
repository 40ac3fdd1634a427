"""Fighter roster: every number that makes one character play differently from another.

All lengths are in pixels and all speeds in sub-pixels per tick (``SUB`` sub-pixels make one
pixel), so the simulation can stay in integer (fixed-point) arithmetic.
"""

from __future__ import annotations

from typing import NamedTuple

SUB = 16
"""Sub-pixels per pixel: positions and speeds are integers in this unit."""

MAX_HEALTH = 1000

# Attack heights decide which guard stops them.
MID, LOW, HIGH = 0, 1, 2

# Move slots; every character has all six.
PUNCH, KICK, LOW_PUNCH, LOW_KICK, AIR_KICK, SPECIAL = range(6)
MOVE_NAMES = ("punch", "kick", "low_punch", "low_kick", "air_kick", "special")


class Move(NamedTuple):
    """One attack. The hitbox is relative to the attacker, mirrored by its facing.

    Attributes:
        startup: ticks before the hitbox appears (for the special: before the projectile spawns).
        active: ticks the hitbox is live.
        recovery: ticks after the active window before the fighter can act again.
        reach_x: distance from the fighter's centre to the near edge of the hitbox.
        width: hitbox width.
        bottom: hitbox bottom, in pixels above the fighter's feet.
        height: hitbox height.
        damage: health removed on a clean hit (a block lets ``damage // 6`` through).
        hitstun: ticks the defender cannot act after a clean hit.
        blockstun: ticks the defender cannot act after blocking.
        level: MID, LOW (must be blocked crouching) or HIGH (must be blocked standing).
        knockdown: a clean hit knocks the defender down.
    """

    startup: int
    active: int
    recovery: int
    reach_x: int
    width: int
    bottom: int
    height: int
    damage: int
    hitstun: int
    blockstun: int
    level: int
    knockdown: bool


class Projectile(NamedTuple):
    """The special's projectile: its speed, size, damage and the special's cooldown."""

    speed: int
    width: int
    height: int
    bottom: int
    damage: int
    hitstun: int
    cooldown: int
    knockdown: bool


class Character(NamedTuple):
    """A playable fighter.

    Attributes:
        name: lower-case identifier used in the API (``make_env(characters=(...))``).
        display: name drawn on the HUD (upper case, fits the font).
        walk: forward walking speed (sub-pixels per tick).
        back_walk: backward walking speed.
        jump: initial vertical jump speed.
        air_speed: horizontal speed of a diagonal jump.
        half_width: half the body (hurtbox and pushbox) width, pixels.
        stand_h: standing hurtbox height; crouching is ``crouch_h``.
        crouch_h: crouching hurtbox height.
        moves: the six moves indexed by PUNCH..SPECIAL.
        projectile: the special's projectile.
        colors: body, limbs and accent RGB colours used by the renderer.
    """

    name: str
    display: str
    walk: int
    back_walk: int
    jump: int
    air_speed: int
    half_width: int
    stand_h: int
    crouch_h: int
    moves: tuple[Move, ...]
    projectile: Projectile
    colors: tuple[tuple[int, int, int], ...]


GRAVITY = 11  # sub-pixels per tick per tick; a 150 jump speed gives ~27 ticks in the air


def _moves(scale: int, reach: int, speed: int) -> tuple[Move, ...]:
    """Build the six moves of a character from its damage scale, extra reach and extra speed.

    ``scale`` is a percentage of the base damage, ``reach`` pixels added to every hitbox,
    ``speed`` ticks removed from startups and recoveries (negative: slower).
    """

    def d(base: int) -> int:
        return base * scale // 100

    def t(base: int, floor: int = 1) -> int:
        return max(floor, base - speed)

    return (
        Move(t(4), 3, t(8, 3), 8, 22 + reach, 44, 12, d(50), 16, 10, MID, False),
        Move(t(7), 4, t(14, 4), 8, 30 + reach, 28, 14, d(80), 20, 12, MID, False),
        Move(t(4), 3, t(7, 3), 8, 20 + reach, 20, 10, d(40), 14, 9, LOW, False),
        Move(t(8), 4, t(18, 6), 8, 32 + reach, 0, 10, d(70), 20, 14, LOW, True),
        Move(t(5), 8, t(4, 2), 4, 26 + reach, 4, 20, d(70), 18, 10, HIGH, False),
        Move(t(12, 4), 0, t(18, 6), 0, 0, 0, 0, 0, 0, 0, MID, False),
    )


CHARACTERS: dict[str, Character] = {
    # The all-rounder: medium everything.
    "kaito": Character(
        "kaito",
        "KAITO",
        24,
        18,
        150,
        28,
        12,
        64,
        40,
        _moves(100, 0, 0),
        Projectile(48, 16, 12, 36, 90, 22, 120, False),
        ((230, 230, 235), (200, 60, 50), (250, 210, 160)),
    ),
    # Big, slow and strong: long reach, a slow boulder that knocks down.
    "brick": Character(
        "brick",
        "BRICK",
        14,
        10,
        130,
        20,
        16,
        72,
        46,
        _moves(140, 10, -2),
        Projectile(30, 24, 20, 30, 130, 30, 200, True),
        ((120, 90, 60), (70, 140, 70), (210, 170, 130)),
    ),
    # Small and quick: short reach, low damage, a fast dart on a short cooldown.
    "vixen": Character(
        "vixen",
        "VIXEN",
        36,
        28,
        165,
        34,
        10,
        58,
        36,
        _moves(70, -6, 2),
        Projectile(80, 10, 6, 40, 55, 16, 80, False),
        ((200, 60, 160), (40, 40, 60), (250, 220, 190)),
    ),
    # Deliberately overpowered (tournaments can ban it): fast, long reach, heavy, short cooldown.
    "volt": Character(
        "volt",
        "VOLT",
        32,
        26,
        160,
        32,
        12,
        64,
        40,
        _moves(130, 8, 1),
        Projectile(64, 16, 14, 34, 120, 26, 60, True),
        ((250, 220, 40), (40, 60, 160), (240, 200, 160)),
    ),
}
"""The roster, by name. ``volt`` is the overpowered one."""

CHARACTER_NAMES: tuple[str, ...] = tuple(CHARACTERS)


def get_character(name: str) -> Character:
    """Return the character called ``name``.

    Raises:
        ValueError: with a one-line message listing the valid names.
    """
    try:
        return CHARACTERS[name]
    except KeyError:
        raise ValueError(
            f"unknown character {name!r}; choose from {', '.join(CHARACTER_NAMES)}"
        ) from None


def move_row(m: Move) -> tuple[int, ...]:
    """A move pre-converted for the simulation's hot loop: cumulative frame counts and
    sub-pixels, as (startup, active_end, total, reach, width, bottom, height, damage, hitstun,
    blockstun, level, knockdown). The single game and the numpy batch both use this layout."""
    return (
        m.startup,
        m.startup + m.active,
        m.startup + m.active + m.recovery,
        m.reach_x * SUB,
        m.width * SUB,
        m.bottom * SUB,
        m.height * SUB,
        m.damage,
        m.hitstun,
        m.blockstun,
        m.level,
        int(m.knockdown),
    )
