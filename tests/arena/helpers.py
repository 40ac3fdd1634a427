"""Small helpers for setting up arena scenarios tick by tick."""

from __future__ import annotations

from tournaments.arena.actions import ACTION_INDEX
from tournaments.arena.characters import SUB
from tournaments.arena.game import Game

A = ACTION_INDEX


def new_game(chars: tuple[str, str] = ("kaito", "kaito"), **kwargs: int) -> Game:
    """A game with no banners, so rounds roll over at once unless a test asks otherwise."""
    kwargs.setdefault("banner_ticks", 0)
    return Game(chars, **kwargs)


def place(game: Game, x1: int, x2: int) -> None:
    """Put p1 at x1 and p2 at x2 (pixels), facing each other."""
    game.p1.x, game.p2.x = x1 * SUB, x2 * SUB
    game.p1.facing = 1 if x2 > x1 else -1
    game.p2.facing = -game.p1.facing


def run(game: Game, a1: str, a2: str, ticks: int = 1) -> None:
    """Step ``ticks`` ticks holding the named actions."""
    for _ in range(ticks):
        game.step(A[a1], A[a2])
