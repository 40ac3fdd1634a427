"""Services behind the play page: a person against an agent or a house entrant, recorded.

House entrants every team can play without uploading anything: the built-in bots and the
demo's imitation agent (``copycat``).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from coach import storage
from coach.models import Team
from tournaments.arena import BOT_NAMES
from tournaments.arena.runner import Player

from .live import LiveMatch
from .matches import _agent_player, house_agent
from .models import Agent, Dataset, Match, error_reason

logger = logging.getLogger(__name__)

HOUSE_OPPONENTS = (*BOT_NAMES, "copycat")
_finishing = threading.Lock()


@dataclass
class Opponent:
    """Who the person plays: an agent (theirs or the house's) or a built-in bot."""

    name: str
    agent: Agent | None = None

    @property
    def key(self) -> str:
        """How URLs name it: the agent's id, or the bot's / house agent's name."""
        if self.agent is not None and self.name != "Copycat":
            return str(self.agent.pk)
        return self.name.lower()


def house_opponents() -> list[Opponent]:
    """The house entrants present in this site (bots always; Copycat once the demo is built)."""
    found = [Opponent(name) for name in BOT_NAMES]
    agent = house_agent()
    if agent is not None:
        found.append(Opponent("Copycat", agent))
    return found


def opponent_for(user, key: str) -> Opponent | None:
    """The opponent named by ``key`` if the user may play it, else None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if key in BOT_NAMES:
        return Opponent(key)
    if key == "copycat":
        agent = house_agent()
        return Opponent("Copycat", agent) if agent else None
    try:
        agent = Agent.objects.visible_to(user).filter(pk=key, state=Agent.READY).first()
    except (ValueError, TypeError, ValidationError):  # not a UUID
        return None
    return Opponent(agent.name, agent) if agent else None


def agent_for(user, agent_id: str) -> Agent | None:
    """The agent if the user's team owns it (or the user is staff), else None."""
    found = opponent_for(user, agent_id)
    return found.agent if found else None


def _team_for(user, opponent: Opponent) -> Team | None:
    if opponent.agent is not None and opponent.name != "Copycat":
        return opponent.agent.team
    return Team.objects.visible_to(user).first()


# A play match lasts at most max_rounds x round_seconds (5 x 99 s); a row still "running" long
# after that was left by a crashed process and no longer counts against the player.
PLAY_MATCH_STALE = timedelta(minutes=15)


def live_play_matches(user) -> int:
    """How many play matches the user has running now (any tab, any Daphne node)."""
    since = timezone.now() - PLAY_MATCH_STALE
    return Match.objects.filter(
        kind="play", state__in=Match.LIVE, p1_label=user.get_username(), started_at__gte=since
    ).count()


PLAY_BUDGET_S = 0.016
"""CPU seconds per decision for an agent a person plays here: one tick at 60 ticks/s.

Not the tournaments' 2 ms. This match runs in a thread of the web process, where the CPU time a
decision is charged grows with whatever else the machine and the process do: a Copycat decision
of 0.5-1.2 ms was charged 3.2 ms (median) with the two cores busy, and 15 ms with a busy thread
beside it in the process. Against the 2 ms budget
Copycat forfeited a person's match within 20-224 ticks. A practice match is no contest; an agent
that really slows the game down still forfeits, and the page says why."""
PLAY_OVERAGE_S = 1.0


def start_match(
    user, opponent: Opponent | Agent, characters: tuple[str, str], seed: int, **rules
) -> LiveMatch:
    """A live match with the user on p1 and the opponent on p2, recorded into a new dataset.

    The match is a ``Match`` row from the start, so the team can watch it at
    ``/matches/<id>/``; ``live.match_id`` names it. The row says "starting" while the game is
    built and "running" only once it exists (a list never shows a game that may not come).

    Raises:
        ValueError: the user may not start one now (the message says why), or
            ``MatchNotStarted`` when the live match could not be built; then neither row nor
            any file of the recording is left.
    """
    if isinstance(opponent, Agent):
        opponent = Opponent(opponent.name, opponent)
    team = _team_for(user, opponent)
    if team is None:
        raise ValueError("join a team first: recorded play belongs to a team")
    if live_play_matches(user) >= settings.FILMROOM_PLAY_MATCHES_PER_USER:
        raise ValueError(
            f"you already play {settings.FILMROOM_PLAY_MATCHES_PER_USER} matches at once: "
            "finish or close one first"
        )
    # The match row first, so the recording is never without the running match that marks it
    # as being written (a recording may be deleted only once that match is over); both or
    # neither, should the database fail between them.
    with transaction.atomic():
        match, dataset = _match_and_recording(user, opponent, team, characters, seed, rules)
    try:
        p2: Player | str = (
            _agent_player(opponent.agent, 1, budget_s=PLAY_BUDGET_S, overage_s=PLAY_OVERAGE_S)
            if opponent.agent is not None
            else opponent.name
        )
        live = LiveMatch(
            characters=characters,
            seed=seed,
            p2=p2,
            p2_frame_skip=opponent.agent.frame_skip if opponent.agent else 4,
            p1_name=user.get_username(),
            dataset=Path(settings.MEDIA_ROOT) / dataset.folder,
            meta={
                "player": user.get_username(),
                "opponent": opponent.name,
                "characters": list(characters),
                "obs": "state",
                "frame_skip": 1,
            },
            **rules,
        )
    except BaseException as exc:
        match_id = match.pk
        storage.remove_tree(dataset.path)  # what the recording had written before it failed
        dataset.delete()
        match.delete()
        if isinstance(exc, Exception):  # the server's fault: logged, and the person told plainly
            logger.exception("play match %s could not be built", match_id)
            raise MatchNotStarted(NOT_STARTED) from exc
        raise
    live.dataset_id = dataset.pk
    live.match_id = match.pk
    Match.objects.filter(pk=match.pk, state=Match.STARTING).update(state=Match.RUNNING)
    return live


def _match_and_recording(user, opponent: Opponent, team, characters, seed: int, rules: dict):
    """The running play match's row and its recording's (``start_match``)."""
    match = Match.objects.create(
        p1_label=user.get_username(),
        p2_agent=opponent.agent,
        p2_label=opponent.name,
        kind="play",
        team=team,
        seed=seed,
        characters=list(characters),
        max_rounds=rules.get("max_rounds", 3),
        round_seconds=rules.get("round_seconds") or 99,
        live=True,
        state=Match.STARTING,
        started_at=timezone.now(),
        worker_pid=os.getpid(),  # the web process playing it (see play_matches_abandon_orphans)
    )
    dataset = Dataset.objects.create(
        team=team,
        player=user,
        opponent=opponent.name,
        characters=list(characters),
        folder="",
        match=match,
    )
    dataset.folder = f"datasets/{dataset.pk}"
    dataset.save(update_fields=["folder"])
    return match, dataset


class MatchNotStarted(ValueError):
    """The live match could not be built (a server fault); the message says so plainly."""


# What the player is told when the server could not start a match (it logs why).
NOT_STARTED = "the match could not be started (the server could not set it up): start again"


def left_reason(player: str) -> str:
    """Why a play match its player left before the end stopped (stored, and sent to spectators
    with ``stopped``)."""
    return f"{player} left the match"


def finish_match(user, opponent, live: LiveMatch) -> Dataset | None:
    """Closes the recording and stores the match: its result once played to its end, else
    *stopped* with the ticks played and why (its player left).

    A stopped match is kept, not deleted: its team may have been watching it at
    ``/matches/<id>/``, and that page (and a spectator joining late) says it stopped and after
    how many ticks rather than a 404, and replays the ticks played up to the stop (its games
    are stored as a finished match's, the last one cut short); it has no winner, so it is in
    no record.

    Runs once per live match: a second call (a disconnect racing the end of the match) returns
    the dataset (None if it was deleted since) and records nothing again.
    """
    from .services import _forfeit_line

    with _finishing:
        first = not getattr(live, "finished", False)
        live.finished = True
    if not first:
        return Dataset.objects.filter(pk=live.dataset_id).first()
    ticks = live.close()
    # Not deletable yet: its match is still running (see Dataset.recording).
    dataset = Dataset.objects.get(pk=live.dataset_id)
    dataset.ticks = ticks
    dataset.winner = live.winner or "" if live.done else ""
    dataset.save(update_fields=["ticks", "winner"])
    match = Match.objects.filter(pk=getattr(live, "match_id", None)).first()
    if match is None:
        return dataset
    if not live.done:
        # Only a row still being played: one marked failed or abandoned meanwhile stays so. Its
        # games so far are kept as a finished match's are (the record up to the stop), so its
        # page replays what was played; a game stopped before its first tick has nothing to show.
        played = [g.to_dict() for g in (live.result.games if live.result else []) if g.ticks]
        Match.objects.filter(pk=match.pk, state__in=Match.LIVE).update(
            state=Match.STOPPED,
            failure_reason=left_reason(match.p1_label),
            ticks=live.ticks_played,
            games=played,
            record=played[-1] if played else {},
            finished_at=timezone.now(),
        )
        return dataset
    result = live.result
    games = [g.to_dict() for g in result.games]
    names = (match.p1_label, match.p2_label)
    match.games, match.record = games, games[-1]
    match.winner, match.ticks = result.winner, result.ticks
    match.forfeit_reason = "\n".join(
        _forfeit_line(g, i, names) for i, g in enumerate(result.games) if g.forfeit
    )
    match.state, match.finished_at = Match.DONE, timezone.now()
    with transaction.atomic():  # only a running row becomes a result, whoever else tries
        if Match.objects.select_for_update().filter(pk=match.pk, state=Match.RUNNING).exists():
            match.save()
    return dataset


def stopped_message(reason: str, ticks: int) -> dict:
    """What the player is told of a match that stopped on an error: why, as spectators read it
    (``models.readable_reason``: no server path, no exception class), and start again."""
    shown = f" ({reason})" if reason else ""
    message = f"the match stopped on an error{shown}; start again"
    return {"type": "error", "message": message, "reason": reason, "ticks": ticks}


def fail_match(live: LiveMatch, exc: Exception) -> None:
    """Ends a play match that stopped on an error: failed, with its reason and the ticks played.

    Its recording is closed and kept with what was played, as a match stopped mid-play keeps
    it (``finish_match``); the failed match no longer marks it as being written, so it may be
    deleted. A match already over (stored, or stopped: its player left) is left as it is.
    """
    try:
        ticks = live.close()
    except Exception:  # noqa: BLE001 - the match still ends; the recording keeps its old count
        logger.exception("play match %s: its recording could not be closed", live.match_id)
    else:
        Dataset.objects.filter(pk=getattr(live, "dataset_id", None)).update(ticks=ticks)
    Match.objects.filter(pk=getattr(live, "match_id", None), state__in=Match.LIVE).update(
        state=Match.FAILED,
        failure_reason=error_reason(exc),  # shown by readable_reason
        ticks=live.ticks_played,
        finished_at=timezone.now(),
    )


ABANDONED = "abandoned: the web process playing this match stopped before it ended"


def play_matches_abandon_orphans() -> int:
    """Marks failed every play-page match whose web process is gone; returns how many.

    A play-page match lives in the Daphne process of its websocket: if that process dies, nothing
    will ever finish it. Run when the site starts, when a worker starts and when ``serve``
    restarts a web process that died.
    """
    from .matches import _pid_alive

    count = 0
    running = Match.objects.filter(kind="play", state__in=Match.LIVE, task_func="")
    for match in running:
        if _pid_alive(match.worker_pid):
            continue
        count += Match.objects.filter(
            pk=match.pk, state=match.state, worker_pid=match.worker_pid
        ).update(state=Match.FAILED, failure_reason=ABANDONED, finished_at=timezone.now())
    return count


class RecordingInProgress(ValueError):
    """The recording is still being written; the message says so."""


def dataset_delete(dataset: Dataset) -> None:
    """Deletes a recording and its files (once the deletion is committed).

    Raises:
        RecordingInProgress: its match is still being played (the file is being written; it
            is closed before the match stops running, see ``finish_match``).
    """
    with transaction.atomic():
        # Under the match row's lock: finish_match turns it from running under the same lock.
        running = Match.objects.select_for_update().filter(
            pk=dataset.match_id, state__in=Match.LIVE
        )
        if dataset.match_id is not None and running.exists():
            raise RecordingInProgress(
                "This match is still being played: its recording can be deleted once it ends."
            )
        folder = dataset.path
        dataset.delete()
        transaction.on_commit(lambda: storage.remove_tree(folder))
