"""Round robin (everyone meets everyone once) and Swiss (N rounds, like scores meet, no rematch)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .core import BracketError, Options, Slot, record_counts


def circle_rounds(entrants: list[str]) -> list[list[tuple[str | None, str | None]]]:
    """Round-robin pairings by the circle method; None is the bye of an odd count."""
    players: list[str | None] = list(entrants) + ([None] if len(entrants) % 2 else [])
    m = len(players)
    rounds = []
    for _ in range(m - 1):
        rounds.append([(players[i], players[m - 1 - i]) for i in range(m // 2)])
        players = [players[0], players[-1], *players[1:-1]]
    return rounds


def _slot(stage: str, rnd: int, number: int, p1: str | None, p2: str | None, winner=None) -> Slot:
    if p1 is None:  # the bye always on the right
        p1, p2 = p2, p1
    if p2 is None:
        return Slot(f"{stage}{rnd}-{number}", stage, rnd, number, p1, None, False, True, p1)
    return Slot(f"{stage}{rnd}-{number}", stage, rnd, number, p1, p2, winner=winner)


def _table(entrants: list[str], slots: list[Slot], byes_score: bool) -> list[dict[str, Any]]:
    """Standings: points (a win or a Swiss bye: 1), then the opponents' points, then seed."""
    counts = record_counts(slots, entrants)
    points = {e: float(counts[e][0]) for e in entrants}
    byes = {e: 0 for e in entrants}
    for s in slots:
        if s.p2_bye:
            byes[s.p1] += 1
            if byes_score:
                points[s.p1] += 1
    # Buchholz (Swiss) / Sonneborn-Berger-like (round robin): strength of who you met or beat.
    strength = {e: 0.0 for e in entrants}
    for s in slots:
        if s.playable and s.winner is not None:
            if byes_score:
                strength[s.p1] += points[s.p2]
                strength[s.p2] += points[s.p1]
            else:
                strength[s.winner] += points[s.loser]
    seeds = {e: i for i, e in enumerate(entrants)}
    ranked = sorted(entrants, key=lambda e: (-points[e], -strength[e], seeds[e]))
    return [
        {
            "entrant": e,
            "place": i + 1,
            "points": points[e],
            "tiebreak": strength[e],
            "wins": counts[e][0],
            "losses": counts[e][1],
            "byes": byes[e],
            "eliminated": False,
        }
        for i, e in enumerate(ranked)
    ]


class RoundRobin:
    def __init__(self, entrants: list[str]) -> None:
        self.entrants = entrants
        self.rounds = circle_rounds(entrants)
        self.games = sum(1 for pairs in self.rounds for a, b in pairs if a and b)

    def slots(self, results: Mapping[str, str]) -> list[Slot]:
        out = []
        for r, pairs in enumerate(self.rounds, start=1):
            for i, (a, b) in enumerate(pairs, start=1):
                out.append(_slot("R", r, i, a, b, results.get(f"R{r}-{i}")))
        return out

    def ready(self, results: Mapping[str, str]) -> list[Slot]:
        """The first round's unplayed matches that has any (rounds are played in order)."""
        for r, pairs in enumerate(self.rounds, start=1):
            todo = [
                _slot("R", r, i, a, b)
                for i, (a, b) in enumerate(pairs, start=1)
                if a and b and f"R{r}-{i}" not in results
            ]
            if todo:
                return todo
        return []

    def champion(self, results: Mapping[str, str]) -> str | None:
        if len(results) < self.games:
            return None
        return _table(self.entrants, self.slots(results), byes_score=False)[0]["entrant"]

    def ready_slot(self, key: str, results: Mapping[str, str]) -> Slot | None:
        """The slot at ``key`` if it can be played now, without building the whole table."""
        try:
            r, i = (int(x) for x in key.removeprefix("R").split("-"))
            a, b = self.rounds[r - 1][i - 1]
        except (ValueError, IndexError):
            return None
        if r < 1 or i < 1 or not key.startswith("R"):
            return None
        if r > 1:  # rounds are played in order: the one before must be complete
            before = self.rounds[r - 2]
            if any(
                x and y and f"R{r - 1}-{j}" not in results for j, (x, y) in enumerate(before, 1)
            ):
                return None
        slot = _slot("R", r, i, a, b, results.get(key))
        return slot if slot.ready else None

    def standings(self, results: Mapping[str, str]) -> list[dict[str, Any]]:
        return _table(self.entrants, self.slots(results), byes_score=False)


class Swiss:
    """Round r+1 is paired once round r is complete, from the standings after round r."""

    def __init__(self, entrants: list[str], options: Options) -> None:
        self.entrants = entrants
        even = len(entrants) + len(entrants) % 2
        most = even // 2  # up to here a pairing without rematches always exists (Dirac)
        self._pairings: dict[tuple, list[tuple[str, str | None]]] = {}
        self.n_rounds = options.rounds or min(most, math.ceil(math.log2(len(entrants))))
        if self.n_rounds > most:
            raise BracketError(
                f"{len(entrants)} entrants can play at most {most} Swiss "
                f"round{'' if most == 1 else 's'} without rematches"
            )

    def slots(self, results: Mapping[str, str]) -> list[Slot]:
        out: list[Slot] = []
        for r in range(1, self.n_rounds + 1):
            # A round's pairing depends only on the results before it: computed once.
            before = tuple((s.key, s.winner) for s in out)
            if (r, before) not in self._pairings:
                self._pairings[(r, before)] = self._pair_round(r, out)
            pairs = self._pairings[(r, before)]
            out += [
                _slot("S", r, i, a, b, results.get(f"S{r}-{i}"))
                for i, (a, b) in enumerate(pairs, 1)
            ]
            if any(s.ready for s in out):
                break  # the next round waits for this one
        return out

    def champion(self, results: Mapping[str, str]) -> str | None:
        slots = self.slots(results)
        if any(s.ready for s in slots) or max(s.round for s in slots) < self.n_rounds:
            return None
        return _table(self.entrants, slots, byes_score=True)[0]["entrant"]

    def standings(self, results: Mapping[str, str]) -> list[dict[str, Any]]:
        return _table(self.entrants, self.slots(results), byes_score=True)

    def _pair_round(self, r: int, earlier: list[Slot]) -> list[tuple[str, str | None]]:
        if r == 1:
            order = list(self.entrants)
            bye = order.pop() if len(order) % 2 else None
            half = len(order) // 2
            pairs: list[tuple[str, str | None]] = list(zip(order[:half], order[half:], strict=True))
            return pairs + ([(bye, None)] if bye else [])
        order = [row["entrant"] for row in _table(self.entrants, earlier, byes_score=True)]
        met = {frozenset((s.p1, s.p2)) for s in earlier if s.playable}
        had_bye = {s.p1 for s in earlier if s.p2_bye}
        if len(order) % 2 == 0:
            pairs = _pair(order, met)
            if pairs is None:  # cannot happen within n_rounds (see __init__)
                raise BracketError(f"no Swiss pairing without a rematch for round {r}")
            return pairs
        for bye in reversed(order):  # the lowest score that has not had a bye yet
            if bye in had_bye:
                continue
            pairs = _pair([e for e in order if e != bye], met)
            if pairs is not None:
                return pairs + [(bye, None)]
        raise BracketError(f"no Swiss pairing without a rematch for round {r}")


def _pair(order: list[str], met: set[frozenset]) -> list[tuple[str, str | None]] | None:
    """Pairs the top remaining player with the nearest one they have not met, backtracking."""
    if not order:
        return []
    first, rest = order[0], order[1:]
    for j, other in enumerate(rest):
        if frozenset((first, other)) in met:
            continue
        tail = _pair(rest[:j] + rest[j + 1 :], met)
        if tail is not None:
            return [(first, other), *tail]
    return None
