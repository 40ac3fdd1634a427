"""Tournament brackets in plain Python (no Django): a bracket is a pure function of its entrants
(in seed order), options and recorded results.

    bracket = Bracket("single", ["ann", "bob", "cy", "dee"], Options(third_place=True))
    for slot in bracket.ready_matches():
        bracket.record(slot.key, slot.p1)
    bracket.champion, bracket.standings()

``Bracket.to_dict()`` / ``Bracket.from_dict()`` is the stored form; ``Bracket.view()`` is what a
page draws (every slot with its sides, byes and winner, plus standings and the champion).
"""

from __future__ import annotations

from .core import FORMATS, Bracket, BracketError, Options, Slot
from .seeding import seed_entrants, series_winner

__all__ = [
    "FORMATS",
    "Bracket",
    "BracketError",
    "Options",
    "Slot",
    "seed_entrants",
    "series_winner",
]
