"""What ``python -m detectors.benchmarks`` scores: folds, negatives, and why each is honest.

A *fold* scores the events inside a time window of a clip with a profile whose references were
cut from an event *outside* that window (another kill of the same clip): the appearance a
reference was cut from is never scored, so no figure is a template matched against itself.
A *negative* is footage with no event of the profile's game: every detection is a false one.
Where the data holds only one appearance of an indicator (Halo Infinite's death line), no
honest reference exists and the event is reported as not scored rather than self-matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from detectors.benchmarks.build_references import HALO, REFERENCES, TEMPLATES, VALORANT, pasted


@dataclass(frozen=True)
class Fold:
    """Events of ``clip`` within [start_s, end_s) scored with a profile of ``references``."""

    game: str
    clip: str
    labels: str
    references: tuple[str, ...]
    start_s: float
    end_s: float
    kinds: tuple[str, ...] = ("kill",)


@dataclass(frozen=True)
class Negative:
    """Footage (a clip, or a still shown for 1 s) where ``game``'s profile must find nothing."""

    game: str
    path: str
    what: str
    references: tuple[str, ...] | None = None  # default: the game's full profile


FOLDS = [
    Fold("Valorant", VALORANT, "valorant.labels.json", ("valorant_kill_2.png",), 0.0, 3.7),
    Fold("Valorant", VALORANT, "valorant.labels.json", ("valorant_kill_1.png",), 3.7, 99.0),
    Fold("Halo Infinite", HALO, "halo_infinite.labels.json", ("halo_kill_2.png",), 0.0, 0.9),
    Fold("Halo Infinite", HALO, "halo_infinite.labels.json", ("halo_kill_1.png",), 0.9, 99.0),
    # A template from another source than every clip here (build_references.TEMPLATES), scored
    # on the whole clip against the kills a multi-kill medal marks.
    Fold(
        "Halo Infinite",
        HALO,
        "halo_infinite_multikills.labels.json",
        ("halo_double_kill_medal.png",),
        0.0,
        99.0,
    ),
]
# Foreign footage at 16:9. Negatives are scored with the game's full profile (every reference
# above): more chances to fire.
FOREIGN = [
    ("sf3_ken_vs_ryu_no_ko_1080p60.mp4", "SF3 clip, no K.O."),
    # The SF2 rounds (256x200, 5:4) are left out: a 16:9 profile scaled to them shrinks its
    # template to a few pixels, which matches anything; see README for what they gave.
]
NEGATIVES = [
    Negative("Valorant", "valorant_stills/1-no.jpg", "labelled 'no'"),
    Negative("Valorant", "valorant_stills/2-no.jpg", "labelled 'no'"),
    Negative("Valorant", "valorant_stills/3-no.jpg", "labelled 'no'; another game"),
    *(
        Negative(game, clip, what)
        for game in ("Valorant", "Halo Infinite")
        for clip, what in FOREIGN
    ),
    *(
        Negative("Halo Infinite", clip, what, ("halo_double_kill_medal.png",))
        for clip, what in FOREIGN
    ),
]
# The game's full profile on its own clip. Every reference was cut from a kill labelled there,
# so recall is a self-match and these runs are not in the totals: they show what a profile with
# several references of one indicator adds, duplicates and false kills (until git e80bf21 the
# Valorant profile counted its second kill twice, and a third one from a flickering feed).
OWN_CLIPS = [
    ("Valorant", VALORANT, "valorant.labels.json"),
    ("Halo Infinite", HALO, "halo_infinite.labels.json"),
]
# Reported, never scored: the source labels these stills 'kill', but no own-kill line, kill
# banner or medal is visible on them (checked by eye at full size), so a miss says nothing.
UNSCORED_STILLS = ["valorant_stills/1-ok.jpg", "valorant_stills/2-ok.jpg"]
NOT_SCORED = [
    ("Halo Infinite", "death", "one death line in all the data: no reference from another moment"),
    ("Street Fighter II / III", "K.O.", "no clip shows a K.O. splash: no reference, no positives"),
]


def profile_for(
    game: str,
    references: tuple[str, ...] | None = None,
    *,
    data: Path | None = None,
    folder: Path | None = None,
) -> dict:
    """The profile (JSON form) of ``game`` with the given references (default: all those cut
    from its clip). A template from elsewhere (``TEMPLATES``) is pasted from ``data`` into
    ``folder`` and named by its absolute path."""
    clip = VALORANT if game == "Valorant" else HALO
    names = references or tuple(n for n, r in REFERENCES.items() if r.clip == clip)
    kills = []
    for n in names:
        if n in TEMPLATES:
            if data is None or folder is None:
                raise ValueError(f"{n} is pasted from DATA_DIR: give data and folder")
            path = pasted(TEMPLATES[n], data, folder)
            kills.append({"reference": str(path), "box": list(TEMPLATES[n].box)})
        else:
            kills.append({"reference": n, "box": list(REFERENCES[n].box)})
    return {"name": game, "events": {"kill": kills}, "min_gap_s": 2.0}
