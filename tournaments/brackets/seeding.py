"""Seed order and best-of-N series: the small rules every format shares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def seed_entrants(
    entrants: Sequence[str],
    *,
    ratings: Mapping[str, float] | None = None,
    manual: Sequence[str] | None = None,
) -> list[str]:
    """Entrants in seed order (seed 1 first).

    Args:
        entrants: the entrant ids, in the order they entered.
        ratings: seed by rating, highest first (ties keep the entry order; unrated last).
        manual: seed by hand: these ids first, in this order; anyone not named follows in
            entry order.

    Raises:
        ValueError: a manual seed names someone who did not enter, or names them twice.
    """
    entrants = list(entrants)
    if manual is not None:
        unknown = [e for e in manual if e not in entrants]
        if unknown:
            raise ValueError(f"seeded but not entered: {', '.join(map(str, unknown))}")
        if len(set(manual)) != len(manual):
            raise ValueError("an entrant is seeded twice")
        return list(manual) + [e for e in entrants if e not in manual]
    if ratings is not None:
        order = {e: i for i, e in enumerate(entrants)}
        return sorted(entrants, key=lambda e: (e not in ratings, -ratings.get(e, 0.0), order[e]))
    return entrants


def series_winner(games: Sequence[str], best_of: int) -> str | None:
    """Who won a best-of-``best_of`` series, from its games' winners so far.

    Args:
        games: each game's winner, ``"p1"``, ``"p2"`` or ``"draw"``, in order.
        best_of: an odd number of games; the first to win a majority takes the series.

    Returns:
        ``"p1"`` or ``"p2"``, or None while more games are needed. A drawn game does not count;
        after ``3 * best_of`` games without a majority the side with more wins takes it, and on
        equal wins the higher seed (p1).
    """
    if best_of < 1 or best_of % 2 == 0:
        raise ValueError(f"best_of must be a positive odd number, got {best_of}")
    need = best_of // 2 + 1
    p1, p2 = games.count("p1"), games.count("p2")
    if p1 >= need:
        return "p1"
    if p2 >= need:
        return "p2"
    if len(games) >= 3 * best_of:
        return "p2" if p2 > p1 else "p1"
    return None
