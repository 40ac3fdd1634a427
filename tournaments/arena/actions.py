"""The discrete action set, relative to the fighter's facing so one policy can play either side."""

from __future__ import annotations

ACTIONS: tuple[str, ...] = (
    "noop",
    "forward",
    "back",  # walking back; holding back is also the block
    "up",
    "up_forward",
    "up_back",
    "down",
    "down_back",  # crouching block
    "punch",
    "kick",
    "down_punch",
    "down_kick",
    "special",
)
"""Action names; an action is its index in this tuple."""

N_ACTIONS = len(ACTIONS)
ACTION_INDEX: dict[str, int] = {name: i for i, name in enumerate(ACTIONS)}

# Decoded per action, so the simulation does table look-ups instead of string logic.
ACT_H: tuple[int, ...] = (0, 1, -1, 0, 1, -1, 0, -1, 0, 0, 0, 0, 0)
"""Horizontal intent: +1 forward, -1 back."""
ACT_UP: tuple[bool, ...] = tuple(name.startswith("up") for name in ACTIONS)
ACT_DOWN: tuple[bool, ...] = tuple(name.startswith("down") for name in ACTIONS)
ACT_MOVE: tuple[int, ...] = (-1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 2, 3, 5)
"""Move slot started by the action on the ground (-1: none); see characters.PUNCH..SPECIAL."""


def action_from_keys(
    *,
    left: bool = False,
    right: bool = False,
    up: bool = False,
    down: bool = False,
    punch: bool = False,
    kick: bool = False,
    special: bool = False,
    facing_right: bool = True,
) -> int:
    """Turn absolute key states (a keyboard, a gamepad) into a facing-relative action.

    Priority when several keys are held: special, then punch/kick (``down`` makes them low
    attacks), then jumps, then crouches, then walking. Left+right cancel each other.

    Args:
        left: the left key is held.
        right: the right key is held.
        up: jump.
        down: crouch.
        punch: punch.
        kick: kick.
        special: the projectile special.
        facing_right: the player currently faces right (toward larger x).

    Returns:
        An index into ``ACTIONS``.
    """
    horizontal = int(right) - int(left)
    if not facing_right:
        horizontal = -horizontal
    if special:
        return ACTION_INDEX["special"]
    if punch:
        return ACTION_INDEX["down_punch" if down else "punch"]
    if kick:
        return ACTION_INDEX["down_kick" if down else "kick"]
    if up:
        return ACTION_INDEX[("up", "up_forward", "up_back")[horizontal]]
    if down:
        return ACTION_INDEX["down_back" if horizontal < 0 else "down"]
    return ACTION_INDEX[("noop", "forward", "back")[horizontal]]
