"""Reads for tournament pages and sockets: the bracket as spectators see it."""

from __future__ import annotations

from typing import Any

from tournaments.brackets import Bracket

from .models import Match, Tournament, readable_reason

STAGE_GROUPS = {"W": 1, "L": 2, "GF": 3, "3P": 2, "R": 1, "S": 1}
VIEWER_TYPES = {
    "single": "single_elimination",
    "double": "double_elimination",
    "round_robin": "round_robin",
    "swiss": "round_robin",  # drawn round by round, with the standings table
}


def tournament_payload(tournament: Tournament) -> dict[str, Any]:
    """The ``bracket`` message of ``ws/tournaments/<id>/`` (also embedded in the page)."""
    entrants = {
        str(e.pk): {"name": e.name, "character": e.character, "seed": e.seed, "team": e.team_id}
        for e in tournament.entrants.all()
    }
    slots = list(tournament.matches.select_related("match"))
    # The games a spectator can open: a game deleted before its agent's games were kept (see
    # ``Match.p1_agent``) is left out rather than linked to a missing page.
    kept = set(
        Match.objects.filter(
            pk__in=[g["match"] for tm in slots for g in tm.games if g.get("match")]
        ).values_list("pk", flat=True)
    )
    cancelled = tournament.state == Tournament.CANCELLED
    matches = {
        tm.key: {
            "id": tm.pk,
            # A cancelled tournament's unfinished slots are over too: no game of theirs counts
            # (one still being played when it was cancelled ends outside the bracket).
            "state": "cancelled" if cancelled and tm.state != "done" else tm.state,
            "match": tm.match_id,
            "games": tm.games,
            # An awarded slot's game was never played out: no link to it.
            "watch": [
                g["match"] for g in tm.games if g.get("match") in kept and not g.get("walkover")
            ],
            "walkover": bool(tm.games and tm.games[-1].get("walkover")),
            # Games won by each side in its last match (a best of 3 ends 2-0 or 2-1).
            "score": _score(tm.match),
            "p1": str(tm.entrant1_id),
            "p2": str(tm.entrant2_id),
            "winner": str(tm.winner_id) if tm.winner_id else None,
            # Why its game stopped, while the slot waits for the organiser.
            "failure": readable_reason(tm.match.failure_reason)
            if tm.state == "failed" and tm.match
            else "",
            # How far that game got (as an agent's page says "failed after N ticks"): 0 when it
            # stopped before its first tick (a side not built); None unless the slot is failed.
            "failure_ticks": tm.match.ticks if tm.state == "failed" and tm.match else None,
        }
        for tm in slots
    }
    view = Bracket.from_dict(tournament.bracket).view() if tournament.bracket else None
    # A game still ending after a cancel is no longer the tournament's.
    running = tournament.state == Tournament.RUNNING
    live = [m["match"] for m in matches.values() if m["state"] == "playing" and running]
    return {
        "type": "bracket",
        "tournament": {
            "id": tournament.pk,
            "name": tournament.name,
            "format": tournament.format,
            "state": tournament.state,
            "best_of": tournament.best_of,
            "public": tournament.public,
            "banned_characters": tournament.banned_characters,
            "champion": str(tournament.champion_id) if tournament.champion_id else None,
        },
        "entrants": entrants,
        "bracket": view,
        "matches": matches,
        "live": live,
        "viewer": viewer_data(tournament, view, matches, entrants),
    }


def viewer_data(
    tournament: Tournament, view: dict | None, matches: dict, entrants: dict
) -> dict[str, Any] | None:
    """The bracket in the ``brackets-viewer`` (npm) data model: stages, matches, participants."""
    if view is None:
        return None
    options = view["options"]
    settings = {
        "grandFinal": "double" if options["grand_final_reset"] else "simple",
        # Only single elimination has a third-place match: in double elimination the viewer would
        # label the grand final's reset "Consolation Final".
        "consolationFinal": bool(options["third_place"]) and tournament.format == "single",
        "size": len(view["entrants"]),
    }
    rounds: dict[tuple[int, int], int] = {}
    out = []
    for number, slot in enumerate(view["slots"]):
        if slot["skipped"]:
            continue
        group = STAGE_GROUPS[slot["stage"]]
        round_id = rounds.setdefault((group, slot["round"]), len(rounds))
        played = matches.get(slot["key"], {})
        out.append(
            {
                "id": number,
                "key": slot["key"],  # ours: a click on the match opens its game
                "stage_id": 0,
                "group_id": group,
                "round_id": round_id,
                # The viewer's final group: number 1 in every round is the grand final (its reset
                # the 2nd round), number 2 a consolation final. Ours numbers GF-1, GF-2.
                "number": 1 if slot["stage"] == "GF" else slot["number"],
                "child_count": 0,
                "status": _status(slot, played),
                "opponent1": _side(slot, "p1", played),
                "opponent2": _side(slot, "p2", played),
            }
        )
    return {
        "stages": [
            {
                "id": 0,
                "tournament_id": tournament.pk,
                "name": tournament.name,
                "type": VIEWER_TYPES[tournament.format],
                "number": 1,
                "settings": settings,
            }
        ],
        "matches": out,
        "matchGames": [],
        "participants": [
            {"id": int(pk), "tournament_id": tournament.pk, "name": e["name"]}
            for pk, e in entrants.items()
        ],
    }


def _status(slot: dict, played: dict) -> int:
    if slot["winner"]:
        return 4  # completed
    if played.get("state") == "playing":
        return 3  # running
    if slot["p1"] and slot["p2"]:
        return 2  # ready
    return 1 if slot["p1"] or slot["p2"] else 0  # waiting for one side / locked


def _side(slot: dict, side: str, played: dict) -> dict | None:
    if slot[f"{side}_bye"]:
        return None  # drawn as BYE
    entrant = slot[side]
    if entrant is None:
        return {"id": None}
    result: dict[str, Any] = {"id": int(entrant)}
    if played.get("games") and not played.get("walkover"):  # a walk-over has no score
        result["score"] = played["score"][0 if played.get("p1") == entrant else 1]
    if slot["winner"]:
        result["result"] = "win" if slot["winner"] == entrant else "loss"
    return result


def _score(match: Match | None) -> list[int]:
    winners = [g.get("winner") for g in (match.games if match else [])]
    return [winners.count("p1"), winners.count("p2")]


def tournament_match_info(match, info: dict[str, Any]) -> None:
    """Adds the tournament, the entrants' names and their ratings to a spectator's ``match``
    object (a ``tournaments.matches.MATCH_INFO_HOOKS`` hook). The ratings are those the series
    was drawn with (when its slot was scheduled), so a match watched later shows what was at
    stake then, not the ratings its own result and later ones made."""
    from .models import TournamentMatch
    from .ratings import ratings_at

    tm = (
        TournamentMatch.objects.filter(match_id=match.pk)
        .select_related("tournament", "entrant1", "entrant2")
        .first()
    )
    if tm is None:
        return
    t = tm.tournament
    info["tournament"] = {"id": t.pk, "name": t.name, "key": tm.key, "url": t.get_absolute_url()}
    ratings = ratings_at([tm.entrant1.identity, tm.entrant2.identity], tm.created_at)
    for side, entrant in (("p1", tm.entrant1), ("p2", tm.entrant2)):
        rating = ratings.get(entrant.identity)
        info[side] = {
            **info.get(side, {}),
            "name": entrant.name,
            "rating": None if rating is None else round(rating, 1),
        }
