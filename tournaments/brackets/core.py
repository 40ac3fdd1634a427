"""The bracket facade: one class for every format, a pure function of its inputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

FORMATS = ("single", "double", "round_robin", "swiss")
"""single / double elimination, round robin, Swiss."""


class BracketError(ValueError):
    """A result or a set-up the bracket cannot take; the message says why in one line."""


@dataclass(frozen=True)
class Options:
    """How a bracket is played.

    Attributes:
        third_place: single elimination: the semi-final losers play for third place.
        grand_final_reset: double elimination: when the losers'-bracket champion wins the grand
            final, a second grand final is played (both then have one loss).
        rounds: Swiss: how many rounds (default ceil(log2(entrants))).
        best_of: games per match (odd); the bracket sees only the series winner.
    """

    third_place: bool = False
    grand_final_reset: bool = True
    rounds: int | None = None
    best_of: int = 1

    def __post_init__(self) -> None:
        if self.best_of < 1 or self.best_of % 2 == 0:
            raise BracketError(f"best of must be a positive odd number, not {self.best_of}")
        if self.rounds is not None and self.rounds < 1:
            raise BracketError(f"a Swiss tournament needs at least one round, not {self.rounds}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Options:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in (data or {}).items() if k in names})


@dataclass
class Slot:
    """One place in the bracket where two sides meet (or one walks over a bye).

    Attributes:
        key: stable id, e.g. ``W1-3`` (winners' round 1, match 3), ``L2-1``, ``GF-1``, ``3P-1``,
            ``R4-2`` (round robin), ``S3-1`` (Swiss).
        stage: ``W`` winners, ``L`` losers, ``GF`` grand final, ``3P`` third place, ``R``
            round robin, ``S`` Swiss.
        round: round number within the stage (1-based).
        number: match number within the round (1-based).
        p1, p2: the entrants, None while not known yet or for a bye.
        p1_bye, p2_bye: that side is empty for good (the other side walks over).
        winner: the winner's id once decided (walk-overs are decided without a game).
        skipped: a grand-final reset that is not needed.
    """

    key: str
    stage: str
    round: int
    number: int
    p1: str | None = None
    p2: str | None = None
    p1_bye: bool = False
    p2_bye: bool = False
    winner: str | None = None
    skipped: bool = False

    @property
    def playable(self) -> bool:
        """Both sides are real entrants (a game is played here, now or later)."""
        return self.p1 is not None and self.p2 is not None and not self.skipped

    @property
    def ready(self) -> bool:
        """Both sides are known and no winner is recorded yet."""
        return self.playable and self.winner is None

    @property
    def loser(self) -> str | None:
        if not self.playable or self.winner is None:
            return None
        return self.p2 if self.winner == self.p1 else self.p1

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ready": self.ready, "loser": self.loser}


@dataclass
class Bracket:
    """A tournament bracket of any format.

    Args:
        format: one of ``FORMATS``.
        entrants: unique entrant ids in seed order (seed 1 first), at least two.
        options: how it is played.
        results: ``{slot key: winner id}`` recorded so far.

    Raises:
        BracketError: an unknown format, fewer than two entrants, a duplicate, bad options.
    """

    format: str
    entrants: Sequence[str]
    options: Options = field(default_factory=Options)
    results: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from .elimination import Elimination
        from .league import RoundRobin, Swiss

        self.entrants = [str(e) for e in self.entrants]
        if self.format not in FORMATS:
            raise BracketError(f"unknown format {self.format!r}; one of {', '.join(FORMATS)}")
        if len(self.entrants) < 2:
            raise BracketError("a tournament needs at least two entrants")
        if len(set(self.entrants)) != len(self.entrants):
            raise BracketError("an entrant is entered twice")
        engines = {
            "single": lambda: Elimination(self.entrants, self.options, double=False),
            "double": lambda: Elimination(self.entrants, self.options, double=True),
            "round_robin": lambda: RoundRobin(self.entrants),
            "swiss": lambda: Swiss(self.entrants, self.options),
        }
        self._engine = engines[self.format]()
        pending, self.results = dict(self.results), {}
        while pending:  # a stored form is checked like new results, in any key order
            ready = {s.key for s in self.ready_matches()}
            now = [k for k in pending if k in ready]
            if not now:
                key = next(iter(pending))
                raise BracketError(f"{key} is not a match that can be played now")
            for key in now:
                self.record(key, pending.pop(key))

    def slots(self) -> list[Slot]:
        """Every slot known so far, in playing order (Swiss adds a round once the last ends)."""
        return self._engine.slots(self.results)

    def ready_matches(self) -> list[Slot]:
        """The matches that can be played now (round robin and Swiss: the current round's)."""
        quick = getattr(self._engine, "ready", None)
        if quick is not None:
            return quick(self.results)
        ready = [s for s in self.slots() if s.ready]
        if self.format in ("round_robin", "swiss") and ready:
            first = min(s.round for s in ready)
            ready = [s for s in ready if s.round == first]
        return ready

    def record(self, key: str, winner: str) -> bool:
        """Records who won the match at ``key``.

        Returns:
            True when the bracket advanced; False when exactly this result was already
            recorded (recording it again changes nothing).

        Raises:
            BracketError: no playable match at ``key``, the winner did not play in it, or a
                different result is already recorded.
        """
        winner = str(winner)
        if key in self.results:
            if self.results[key] == winner:
                return False
            raise BracketError(f"{key} already has a result ({self.results[key]} won)")
        quick = getattr(self._engine, "ready_slot", None)
        if quick is not None:
            slot = quick(key, self.results)
        else:
            slot = next((s for s in self.ready_matches() if s.key == key), None)
        if slot is None:
            raise BracketError(f"{key} is not a match that can be played now")
        if winner not in (slot.p1, slot.p2):
            raise BracketError(f"{winner} does not play in {key}")
        self.results[key] = winner
        return True

    @property
    def done(self) -> bool:
        return self.champion is not None

    @property
    def champion(self) -> str | None:
        """The winner of the whole tournament, once it is decided."""
        return self._engine.champion(self.results)

    def standings(self) -> list[dict[str, Any]]:
        """Every entrant, best first: ``{"entrant", "place", "wins", "losses", ...}``."""
        return self._engine.standings(self.results)

    def to_dict(self) -> dict[str, Any]:
        """The stored form: format, entrants, options and results (JSON-ready)."""
        return {
            "format": self.format,
            "entrants": list(self.entrants),
            "options": asdict(self.options),
            "results": dict(self.results),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Bracket:
        """Inverse of ``to_dict`` (every stored result is checked again)."""
        return cls(
            data["format"],
            list(data["entrants"]),
            Options.from_dict(data.get("options")),
            dict(data.get("results") or {}),
        )

    def view(self) -> dict[str, Any]:
        """What a page draws: the stored form plus every slot, the standings and the champion."""
        return {
            **self.to_dict(),
            "slots": [s.to_dict() for s in self.slots()],
            "standings": self.standings(),
            "champion": self.champion,
        }


def record_counts(slots: Sequence[Slot], entrants: Sequence[str]) -> dict[str, list[int]]:
    """``{entrant: [wins, losses]}`` over the played (not walked-over) slots."""
    counts = {e: [0, 0] for e in entrants}
    for s in slots:
        if s.playable and s.winner is not None:
            counts[s.winner][0] += 1
            counts[s.loser][1] += 1
    return counts
