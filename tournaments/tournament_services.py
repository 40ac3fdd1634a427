"""Tournaments in the site: create, enter, start, play each game in the background, advance.

The bracket itself is ``tournaments.brackets`` (plain Python); here it is stored on the
``Tournament`` row, its slots are linked to ``Match`` rows (one per game of a best-of-N series),
results advance the bracket and the ratings in one transaction, and spectators hear about it on
the channel group ``tournament-<id>``.
"""

from __future__ import annotations

import logging
import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from coach.models import Team
from coach.params import plain_name
from tournaments.arena import CHARACTER_NAMES
from tournaments.brackets import Bracket, BracketError, Options, seed_entrants, series_winner

from .matches import house_agent, match_create, match_enqueue, match_run
from .models import NOT_PLAYED_CANCELLED, Agent, Entrant, Match, Tournament, TournamentMatch
from .ratings import ratings_of, ratings_update

logger = logging.getLogger(__name__)

HOUSE_BOTS = ("random", "cpu_easy", "cpu_medium", "cpu_hard")
GAME_TASK = "tournaments.tasks.tournament_game_play"
RULES = {"max_rounds": (1, 5), "round_seconds": (5, 99)}  # allowed ranges of per-game rules
NAME_MAX = 100  # Tournament.name's max_length


class TournamentError(Exception):
    """A tournament request that cannot be done; the message says why in one line."""


@dataclass(frozen=True)
class EntrantChoice:
    """Who enters: ``ref`` is ``bot:<name>`` or ``agent:<uuid>``; no character = one is given."""

    ref: str
    character: str = ""


def house_entrants() -> list[tuple[str, str]]:
    """``(ref, label)`` of the entrants every team has: the built-in bots and the house agent."""
    choices = [(f"bot:{b}", b) for b in HOUSE_BOTS]
    copycat = house_agent()
    if copycat is not None:
        choices.append((f"agent:{copycat.pk}", f"{copycat.name} (house)"))
    return choices


def _options(format: str, best_of: int, options: dict | None) -> dict:
    options = dict(options or {})
    rules = {}
    for name, (low, high) in RULES.items():
        if options.get("rules", {}).get(name) is not None:
            value = int(options["rules"][name])
            if not low <= value <= high:
                raise TournamentError(f"{name.replace('_', ' ')} must be {low} to {high}")
            rules[name] = value
    try:
        parsed = Options.from_dict({**options, "best_of": best_of})
    except (BracketError, TypeError, ValueError) as exc:
        raise TournamentError(str(exc)) from exc
    if format not in dict(Tournament.FORMATS):
        raise TournamentError(f"unknown format {format!r}")
    driver = "caller" if options.get("driver") == "caller" else "queue"
    return {
        "driver": driver,
        "live": bool(options.get("live")),
        "third_place": parsed.third_place,
        "grand_final_reset": parsed.grand_final_reset,
        "rounds": parsed.rounds,
        "rules": rules,
    }


@transaction.atomic
def tournament_create(
    *,
    team: Team,
    created_by,
    name: str,
    format: str,
    entrants: Sequence[EntrantChoice],
    best_of: int = 1,
    options: dict | None = None,
    banned_characters: Sequence[str] = (),
    public: bool = True,
    seeding: str = "rating",
) -> Tournament:
    """Creates a tournament that takes entrants (state draft) with the team's first entrants.

    Raises:
        TournamentError: a bad name, format, option, character or entrant.
    """
    name = plain_name(name)
    if not name:
        raise TournamentError("give the tournament a name")
    if len(name) > NAME_MAX:
        raise TournamentError(f"the name is {len(name)} characters; {NAME_MAX} at most")
    banned = sorted(set(banned_characters))
    unknown = [c for c in banned if c not in CHARACTER_NAMES]
    if unknown:
        raise TournamentError(f"unknown character {unknown[0]!r}")
    if len(banned) >= len(CHARACTER_NAMES):
        raise TournamentError("at least one character must stay allowed")
    if seeding not in dict(Tournament.SEEDINGS):
        raise TournamentError(f"unknown seeding {seeding!r}")
    tournament = Tournament.objects.create(
        team=team,
        created_by=created_by,
        name=name,
        format=format,
        options=_options(format, best_of, options),
        best_of=best_of,
        banned_characters=banned,
        public=public,
        seeding=seeding,
    )
    for choice in entrants:
        entrant_add(tournament=tournament, team=team, choice=choice)
    return tournament


MAX_ENTRANTS = 128
"""Entrants of one tournament at most (the seeds the form takes: 1 to 128)."""
MAX_ENTRANTS_PER_GUEST_TEAM = 8
"""Entries one team may make in another team's public tournament (the organiser cannot remove
entrants: one visitor could otherwise fill it)."""


@transaction.atomic
def entrant_add(*, tournament: Tournament, team: Team, choice: EntrantChoice) -> Entrant:
    """Enters a house bot, the house agent or one of ``team``'s ready agents.

    Another team's agents may enter only public tournaments; entries close at the start.

    Raises:
        TournamentError: why the entrant cannot enter.
    """
    if tournament.state != Tournament.DRAFT:
        raise TournamentError("this tournament has started: entries are closed")
    if team.pk != tournament.team_id and not tournament.public:
        raise TournamentError("only the organising team enters a private tournament")
    # Locks the tournament's row: entries arriving at once are counted one after another.
    Tournament.objects.select_for_update().filter(pk=tournament.pk).exists()
    if tournament.entrants.count() >= MAX_ENTRANTS:
        raise TournamentError(f"this tournament is full: {MAX_ENTRANTS} entrants at most")
    if team.pk != tournament.team_id:
        theirs = tournament.entrants.filter(team=team).count()
        if theirs >= MAX_ENTRANTS_PER_GUEST_TEAM:
            raise TournamentError(
                f"your team has entered {theirs} times: {MAX_ENTRANTS_PER_GUEST_TEAM} entries at "
                "most per team in another team's tournament"
            )
    kind, _, ref = choice.ref.partition(":")
    agent, bot = None, ""
    if kind == "bot" and ref in HOUSE_BOTS:
        bot, label = ref, ref
    elif kind == "agent":
        house = house_agent()
        agent = Agent.objects.filter(team=team, state=Agent.READY, pk=_uuid(ref)).first()
        if agent is None and house is not None and str(house.pk) == ref:
            agent = house
        if agent is None:
            raise TournamentError("that agent is not one of your team's ready agents")
        label = agent.name
    else:
        raise TournamentError(f"unknown entrant {choice.ref!r}")
    taken = [e.identity for e in tournament.entrants.all()]
    identity = Entrant.identity_of(agent, bot)
    if identity in taken:
        if agent is not None:
            raise TournamentError(f"{label} has already entered")
        label = f"{bot} #{taken.count(identity) + 1}"  # a house bot may enter more than once
    character = choice.character.strip()
    if character and character not in CHARACTER_NAMES:
        raise TournamentError(f"unknown character {character!r}")
    if character in tournament.banned_characters:
        raise TournamentError(f"{character} is banned in this tournament")
    if not character:  # given: the same draw for the same tournament and entry
        allowed = [c for c in CHARACTER_NAMES if c not in tournament.banned_characters]
        character = random.Random(f"{tournament.pk}:{len(taken)}").choice(allowed)
    return Entrant.objects.create(
        tournament=tournament,
        team=team,
        agent=agent,
        bot=bot,
        name=label,
        character=character,
        seed=len(taken) + 1,
        rated_as=identity,
    )


def _uuid(text: str):
    import uuid

    try:
        return uuid.UUID(text)
    except ValueError:
        return None


@transaction.atomic
def tournament_start(*, tournament: Tournament) -> Tournament:
    """Seeds the entrants, builds the bracket and queues the first matches.

    Raises:
        TournamentError: not in draft, or the bracket cannot be built (the message says why).
    """
    tournament = Tournament.objects.select_for_update().get(pk=tournament.pk)
    if tournament.state != Tournament.DRAFT:
        raise TournamentError("this tournament has already started")
    entrants = list(tournament.entrants.all())
    ids = [str(e.pk) for e in entrants]
    if tournament.seeding == "rating":
        ratings = ratings_of([e.identity for e in entrants])
        order = seed_entrants(
            ids, ratings={str(e.pk): ratings[e.identity] for e in entrants if e.identity in ratings}
        )
    else:
        order = ids  # entry order (seed numbers as entered)
    try:
        bracket = Bracket(
            tournament.format,
            order,
            Options.from_dict({**tournament.options, "best_of": tournament.best_of}),
        )
    except BracketError as exc:
        raise TournamentError(str(exc)) from exc
    by_id = {str(e.pk): e for e in entrants}
    for seed, entrant_id in enumerate(order, start=1):
        by_id[entrant_id].seed = seed
    Entrant.objects.bulk_update(entrants, ["seed"])
    tournament.bracket = bracket.to_dict()
    tournament.state = Tournament.RUNNING
    tournament.save(update_fields=["bracket", "state"])
    _schedule(tournament, bracket)
    transaction.on_commit(lambda: tournament_broadcast(tournament.pk))
    return tournament


@transaction.atomic
def tournament_delete(*, tournament: Tournament) -> None:
    """Deletes a tournament still taking entrants (nothing has been played in it).

    Raises:
        TournamentError: it has started; a running one can be cancelled, and a finished or
            cancelled one stays, as the record of the games played and rated in it.
    """
    tournament = Tournament.objects.select_for_update().get(pk=tournament.pk)
    if tournament.state == Tournament.RUNNING:
        raise TournamentError("it has started: cancel it instead (its games so far are kept)")
    if tournament.state != Tournament.DRAFT:
        raise TournamentError(
            f"it is {tournament.get_state_display().lower()}: its games and ratings are kept"
        )
    tournament_id = tournament.pk
    tournament.delete()
    transaction.on_commit(lambda: _group_send(tournament_id, {"type": "deleted"}))


CANCELLED_REASON = NOT_PLAYED_CANCELLED


@transaction.atomic
def tournament_cancel(*, tournament: Tournament) -> Tournament:
    """Stops a running tournament: no more games start and the bracket stays as it is.

    Games already played keep their results (and the ratings they moved). Games waiting in the
    queue are marked failed with :data:`CANCELLED_REASON` and not played; a game being played
    as this runs ends on its own, and its result changes nothing in the bracket.

    Raises:
        TournamentError: it is not running.
    """
    tournament = Tournament.objects.select_for_update().get(pk=tournament.pk)
    if tournament.state != Tournament.RUNNING:
        raise TournamentError(
            "only a running tournament can be cancelled; "
            f"this one is {tournament.get_state_display().lower()}"
        )
    tournament.state = Tournament.CANCELLED
    tournament.finished_at = timezone.now()
    tournament.save(update_fields=["state", "finished_at"])
    waiting = tournament.matches.exclude(state=TournamentMatch.DONE)
    Match.objects.filter(
        pk__in=waiting.values("match_id"), state__in=(Match.SCHEDULED, Match.FAILED)
    ).update(state=Match.FAILED, failure_reason=CANCELLED_REASON)
    transaction.on_commit(lambda: tournament_broadcast(tournament.pk))
    return tournament


def _schedule(tournament: Tournament, bracket: Bracket) -> list[TournamentMatch]:
    """The scheduler: every ready slot without a match gets one, and its first game is queued."""
    started = set(tournament.matches.values_list("key", flat=True))
    created = []
    for slot in bracket.ready_matches():
        if slot.key in started:
            continue
        tm = TournamentMatch.objects.create(
            tournament=tournament, key=slot.key, entrant1_id=int(slot.p1), entrant2_id=int(slot.p2)
        )
        _game_create(tm)
        created.append(tm)
    return created


def _game_create(tm: TournamentMatch) -> Match:
    """The match (best of N games, on ``Match``) for a slot; again after a drawn one."""
    tournament, e1, e2 = tm.tournament, tm.entrant1, tm.entrant2
    rules = tournament.options.get("rules", {})
    game = match_create(
        p1=e1.agent or e1.bot,
        p2=e2.agent or e2.bot,
        characters=(e1.character, e2.character),
        best_of=tournament.best_of,
        live=bool(tournament.options.get("live")),
        public=tournament.public,
        kind="tournament",
        team=tournament.team,
        seed=zlib.crc32(f"{tm.tournament_id}:{tm.key}:{len(tm.games)}".encode()),
        max_rounds=rules.get("max_rounds", 3),
        round_seconds=rules.get("round_seconds", 99),
    )
    tm.match = game
    tm.save(update_fields=["match"])
    if tournament.options.get("driver") != "caller":  # else run_tournament plays it itself
        transaction.on_commit(lambda: match_enqueue(game, task=GAME_TASK))
    return game


def tournament_game_play(*, match_id: int) -> None:
    """Plays one game of a tournament match (the django-q2 task's body)."""
    tm = TournamentMatch.objects.filter(match_id=match_id).select_related("tournament").first()
    if tm is None or tm.state == TournamentMatch.DONE:
        return
    if tm.tournament.state != Tournament.RUNNING:  # cancelled while this waited in the queue
        return
    TournamentMatch.objects.filter(pk=tm.pk).update(state=TournamentMatch.PLAYING)
    _group_send(tm.tournament_id, {"type": "match_started", "key": tm.key, "match": match_id})
    try:
        play_game(match_id, on_finish=lambda match: tournament_record_result(match=match))
    except Exception:
        _game_failed(match_id)
        raise  # the task's own record says what went wrong, too


def _game_failed(match_id: int) -> None:
    """A game stopped on an error: its slot says so and waits for the organiser, instead of
    staying "playing" for ever with the bracket stalled behind it."""
    failed = (
        TournamentMatch.objects.filter(match_id=match_id, match__state=Match.FAILED)
        .exclude(state=TournamentMatch.DONE)
        .update(state=TournamentMatch.FAILED)
    )
    if failed:
        tm = TournamentMatch.objects.get(match_id=match_id)
        logger.warning("tournament %s: %s failed; waiting for the organiser", tm.tournament_id, tm)
        tournament_broadcast(tm.tournament_id)


def tournament_match_settle(*, tournament: Tournament, key: str, action: str) -> TournamentMatch:
    """The organiser's way past a failed game: play it again, or award the series.

    ``action`` is ``"replay"`` (the same game from its seed, queued again: most failures are of
    the machine, not the game), or ``"p1"`` / ``"p2"`` (a walk-over for that side: the bracket
    advances, the ratings do not change, and the games list marks it ``"walkover"``).

    Raises:
        TournamentError: no such slot, it has not failed, or an unknown action.
    """
    if action not in ("replay", "p1", "p2"):
        raise TournamentError("choose to play the game again or to award the match to one side")
    with transaction.atomic():
        tournament = Tournament.objects.select_for_update().get(pk=tournament.pk)
        tm = (  # lock the slot only: PostgreSQL cannot lock the nullable side of a join
            TournamentMatch.objects.select_for_update(of=("self",))
            .select_related("entrant1", "entrant2", "match")
            .filter(tournament=tournament, key=key)
            .first()
        )
        if tm is None:
            raise TournamentError(f"this tournament has no match {key}")
        if tournament.state != Tournament.RUNNING:
            raise TournamentError(f"the tournament is {tournament.get_state_display().lower()}")
        if tm.state != TournamentMatch.FAILED:
            raise TournamentError(f"match {key} has not failed")
        if action == "replay":
            Match.objects.filter(pk=tm.match_id).update(
                state=Match.SCHEDULED, failure_reason="", worker_pid=None
            )
            tm.state = TournamentMatch.WAITING
            tm.save(update_fields=["state"])
            game = tm.match
            if tournament.options.get("driver") != "caller":
                transaction.on_commit(lambda: match_enqueue(game, task=GAME_TASK))
        else:
            tm.games = [*tm.games, {"match": tm.match_id, "winner": action, "walkover": True}]
            _series_won(tournament, tm, action, rated=False)
    transaction.on_commit(lambda: tournament_broadcast(tournament.pk))
    return tm


def play_game(match_id: int, *, on_finish: Callable[[Match], None]) -> Match:
    """The one place a tournament match is played: the runner's ``match_run`` (``on_finish``
    runs inside the transaction that stores the result, once per match, even after a crash).

    The game is claimed only while its tournament runs, in the claim's own UPDATE: a cancel
    landing after the caller looked (a game waiting in the queue) leaves it unplayed."""
    running = TournamentMatch.objects.filter(
        match_id=OuterRef("pk"), tournament__state=Tournament.RUNNING
    )
    return match_run(match_id, on_finish=on_finish, only_if=Exists(running))


def tournament_record_result(*, match: Match) -> TournamentMatch | None:
    """Takes a finished game into its series, and the series' result into the bracket and ratings.

    Runs inside the transaction that stored the game (the runner's ``on_finish``); a game already
    taken in is ignored, so a result never advances the bracket twice.
    """
    with transaction.atomic():
        tm = (
            TournamentMatch.objects.select_for_update()
            .select_related("tournament", "entrant1", "entrant2")
            .filter(match_id=match.pk)
            .first()
        )
        if tm is None or tm.state == TournamentMatch.DONE:
            return tm
        if any(g["match"] == match.pk for g in tm.games):
            return tm
        tournament = Tournament.objects.select_for_update().get(pk=tm.tournament_id)
        # A game that ended after a cancel: outside the bracket and the ratings, and so outside
        # every agent's record (``Match.objects.counted``), by the same rule.
        if TournamentMatch.objects.cut_short().filter(pk=tm.pk).exists():
            return tm
        tm.games = [*tm.games, {"match": match.pk, "winner": match.winner or "draw"}]
        # The runner plays the best-of-N; a drawn match is played again, three draws at most.
        side = series_winner([g["winner"] for g in tm.games], 1)
        if side is None:  # the series goes on
            tm.save(update_fields=["games"])
            _game_create(tm)
        else:
            _series_won(tournament, tm, side)
    transaction.on_commit(lambda: tournament_broadcast(tm.tournament_id))
    return tm


def _series_won(
    tournament: Tournament, tm: TournamentMatch, side: str, *, rated: bool = True
) -> None:
    winner, loser = (tm.entrant1, tm.entrant2) if side == "p1" else (tm.entrant2, tm.entrant1)
    bracket = Bracket.from_dict(tournament.bracket)
    bracket.record(tm.key, str(winner.pk))
    tm.winner, tm.state = winner, TournamentMatch.DONE
    tm.save(update_fields=["games", "winner", "state"])
    # Private tournaments are practice; a walk-over says nothing about skill.
    if rated and tournament.public and winner.identity != loser.identity:
        ratings_update(winner=winner, loser=loser, match=tm)
    tournament.bracket = bracket.to_dict()
    if bracket.done:
        tournament.state = Tournament.FINISHED
        tournament.champion_id = int(bracket.champion)
        tournament.finished_at = timezone.now()
    else:
        _schedule(tournament, bracket)
    tournament.save(update_fields=["bracket", "state", "champion", "finished_at"])


def tournament_pending_games(tournament: Tournament) -> list[int]:
    """Ids of the matches of a running tournament still to be played."""
    return list(
        TournamentMatch.objects.filter(tournament=tournament, match__state=Match.SCHEDULED)
        .exclude(state=TournamentMatch.DONE)
        .values_list("match_id", flat=True)
    )


def tournament_broadcast(tournament_id: int) -> None:
    """Sends the bracket as it stands to the tournament's spectators."""
    from .tournament_selectors import tournament_payload

    tournament = Tournament.objects.filter(pk=tournament_id).first()
    if tournament is not None:
        _group_send(tournament_id, tournament_payload(tournament))


def _group_send(tournament_id: int, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            f"tournament-{tournament_id}", {"type": "tournament.message", "message": message}
        )
    except Exception as exc:  # noqa: BLE001 - spectators missing an update never stops a match
        logger.debug("tournament %s: could not reach spectators: %s", tournament_id, exc)
