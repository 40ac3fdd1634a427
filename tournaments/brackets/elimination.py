"""Single and double elimination: a graph of slots fed by seeds, winners and losers.

The bracket has ``size`` = the next power of two places; seeds past the entrant count are byes,
placed so that the top seeds get them (seed 1 meets the last place, 2 the one before, ...). A side
fed by a bye (or by the loser of a walk-over) is empty, and the other side walks over without a
game, in the losers' bracket too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .core import Options, Slot, record_counts

BYE = object()
"""A side that stays empty: its opponent walks over."""

Source = tuple[str, Any]  # ("seed", entrant | BYE), ("win", key) or ("lose", key)


def seed_positions(size: int) -> list[int]:
    """Seeds (1-based) in bracket order, e.g. 8 -> [1, 8, 4, 5, 2, 7, 3, 6]."""
    order = [1]
    while len(order) < size:
        mirror = 2 * len(order) + 1
        order = [s for x in order for s in (x, mirror - x)]
    return order


@dataclass(frozen=True)
class _Node:
    key: str
    stage: str
    round: int
    number: int
    a: Source
    b: Source
    reset: bool = False  # a grand-final reset: played only when the losers' champion won GF-1


class Elimination:
    """Single (``double=False``) or double elimination over entrants in seed order."""

    def __init__(self, entrants: list[str], options: Options, *, double: bool) -> None:
        self.entrants, self.options, self.double = entrants, options, double
        self.size = 1
        while self.size < len(entrants):
            self.size *= 2
        self.k = self.size.bit_length() - 1  # winners' rounds
        self.nodes: list[_Node] = []
        self._build_winners()
        if double:
            self._build_losers_and_final()
        elif options.third_place and self.k >= 2:
            semi = self.k - 1
            self._add("3P", 1, 1, ("lose", f"W{semi}-1"), ("lose", f"W{semi}-2"))
        self.by_key = {n.key: n for n in self.nodes}

    def _add(self, stage: str, rnd: int, number: int, a: Source, b: Source, **kw: Any) -> None:
        key = f"{stage}-{number}" if stage in ("GF", "3P") else f"{stage}{rnd}-{number}"
        self.nodes.append(_Node(key, stage, rnd, number, a, b, **kw))

    def _build_winners(self) -> None:
        n, order = len(self.entrants), seed_positions(self.size)

        def seed(s: int) -> Source:
            return ("seed", self.entrants[s - 1] if s <= n else BYE)

        for i in range(self.size // 2):
            self._add("W", 1, i + 1, seed(order[2 * i]), seed(order[2 * i + 1]))
        for r in range(2, self.k + 1):
            for i in range(self.size >> r):
                self._add(
                    "W",
                    r,
                    i + 1,
                    ("win", f"W{r - 1}-{2 * i + 1}"),
                    ("win", f"W{r - 1}-{2 * i + 2}"),
                )

    def _build_losers_and_final(self) -> None:
        if self.k == 1:
            losers_champion: Source = ("lose", "W1-1")
        else:
            for i in range(self.size // 4):
                self._add("L", 1, i + 1, ("lose", f"W1-{2 * i + 1}"), ("lose", f"W1-{2 * i + 2}"))
            lr = 1
            for j in range(2, self.k + 1):
                count = self.size >> j
                for i in range(count):
                    # Every other round drops the winners' losers in reverse, to put off rematches.
                    drop = count - i if j % 2 == 0 else i + 1
                    self._add(
                        "L", lr + 1, i + 1, ("win", f"L{lr}-{i + 1}"), ("lose", f"W{j}-{drop}")
                    )
                lr += 1
                if j < self.k:
                    for i in range(count // 2):
                        self._add(
                            "L",
                            lr + 1,
                            i + 1,
                            ("win", f"L{lr}-{2 * i + 1}"),
                            ("win", f"L{lr}-{2 * i + 2}"),
                        )
                    lr += 1
            losers_champion = ("win", f"L{lr}-1")
        winners_champion: Source = ("win", f"W{self.k}-1")
        self._add("GF", 1, 1, winners_champion, losers_champion)
        if self.options.grand_final_reset:
            self._add("GF", 2, 2, winners_champion, losers_champion, reset=True)

    def _resolve(self, results: Mapping[str, str]) -> dict[str, tuple]:
        """key -> (p1, p2, winner, loser, skipped); values are entrants, BYE or None (not known)."""
        memo: dict[str, tuple] = {}

        def value(src: Source) -> Any:
            kind, ref = src
            if kind == "seed":
                return ref
            node = resolve(ref)
            return node[2] if kind == "win" else node[3]

        def resolve(key: str) -> tuple:
            if key in memo:
                return memo[key]
            node = self.by_key[key]
            p1, p2 = value(node.a), value(node.b)
            skipped = False
            if node.reset:
                gf1 = resolve("GF-1")[2]
                if gf1 is None:
                    p1 = p2 = None
                elif gf1 == p1:  # the winners' champion won the first grand final
                    skipped = True
            if skipped:
                out = (p1, p2, None, None, True)
            elif p1 is None or p2 is None:
                out = (p1, p2, None, None, False)
            elif p1 is BYE or p2 is BYE:
                out = (p1, p2, p2 if p1 is BYE else p1, BYE, False)
            else:
                winner = results.get(key)
                loser = None if winner is None else (p2 if winner == p1 else p1)
                out = (p1, p2, winner, loser, False)
            memo[key] = out
            return out

        return {n.key: resolve(n.key) for n in self.nodes}

    def slots(self, results: Mapping[str, str]) -> list[Slot]:
        resolved = self._resolve(results)
        out = []
        for n in self.nodes:
            p1, p2, winner, _, skipped = resolved[n.key]
            out.append(
                Slot(
                    key=n.key,
                    stage=n.stage,
                    round=n.round,
                    number=n.number,
                    p1=p1 if isinstance(p1, str) else None,
                    p2=p2 if isinstance(p2, str) else None,
                    p1_bye=p1 is BYE,
                    p2_bye=p2 is BYE,
                    winner=winner if isinstance(winner, str) else None,
                    skipped=skipped,
                )
            )
        return out

    def champion(self, results: Mapping[str, str]) -> str | None:
        resolved = self._resolve(results)
        if not self.double:
            final = resolved[f"W{self.k}-1"][2]
            third = resolved.get("3P-1")
            if third is not None and third[2] is None:
                return None  # the tournament ends with its third-place match
            return final if isinstance(final, str) else None
        gf1 = resolved["GF-1"]
        if gf1[2] is None:
            return None
        if not self.options.grand_final_reset or gf1[2] == gf1[0]:
            return gf1[2]
        return resolved["GF-2"][2]

    def standings(self, results: Mapping[str, str]) -> list[dict[str, Any]]:
        slots = self.slots(results)
        counts = record_counts(slots, self.entrants)
        champion = self.champion(results)
        depth = {"W": 0, "L": 1000, "GF": 2000}
        out_at: dict[str, int] = {}  # entrant -> how deep into the bracket they were knocked out
        third_winner = None
        for s in slots:
            if s.loser is None:
                continue
            if s.stage == "3P":
                third_winner = s.winner
            elif not self.double or s.stage == "L":
                out_at[s.loser] = depth[s.stage] + s.round
            elif s.stage == "GF":
                # GF-1 knocks out the losers' champion; the winners' champion only without a reset.
                if s.key == "GF-2" or s.loser == s.p2 or not self.options.grand_final_reset:
                    out_at[s.loser] = depth[s.stage] + s.round
        seeds = {e: i for i, e in enumerate(self.entrants)}

        def rank(e: str) -> tuple:
            if e == champion:
                return (0, 0, 0, 0)
            if e not in out_at:
                return (1, 0, 0, seeds[e])  # still in
            return (2, -out_at[e], 0 if e == third_winner else 1, seeds[e])

        ranked = sorted(self.entrants, key=rank)
        return [
            {
                "entrant": e,
                "place": i + 1,
                "wins": counts[e][0],
                "losses": counts[e][1],
                "eliminated": e in out_at and e != champion,
            }
            for i, e in enumerate(ranked)
        ]
