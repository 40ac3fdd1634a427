"""Matches in the site: create, run (in a worker, through the one runner), recover after a crash.

``match_run(match_id, on_finish=...)`` is what every background caller uses (tournaments,
exhibitions): it plays the match with ``tournaments.arena.runner.run_match`` — live at 60
ticks/s and broadcast when ``match.live``, as fast as possible otherwise — and stores the result
and calls ``on_finish`` in ONE transaction, exactly once per match.

A worker killed mid-match: the match row stays ``running`` with the dead worker's pid. When
django-q2 spawns the replacement worker (``post_spawn``) or ``serve`` starts,
:func:`matches_requeue_orphans` hands the match's own task out again (the task that was running
it, recorded by ``pre_execute``), and the match is played again from its seed.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import psutil
from django.db import transaction
from django.db.models import Exists, F, Q
from django.utils import timezone

from coach.models import Team
from coach.queue import enqueue
from tournaments.arena import BOT_NAMES, CHARACTER_NAMES, Game
from tournaments.arena.runner import (
    DEFAULT_BUDGET_S,
    DEFAULT_OVERAGE_S,
    MatchResult,
    Player,
    run_match,
)

from .models import Agent, Match, TournamentMatch, error_reason, readable_reason

if TYPE_CHECKING:
    from .broadcast import Broadcaster

logger = logging.getLogger(__name__)

RUN_TASK = "tournaments.tasks.match_run_task"
HOUSE_AGENT_NAME = "Copycat"  # in the team that `manage.py demo` made
"""(team slug, agent name) of the demo's imitation agent, a house entrant every team may face."""

MatchInfoHook = Callable[[Match, dict[str, Any]], None]
MATCH_INFO_HOOKS: list[MatchInfoHook] = []
"""Called with (match, info) to add to a spectator's ``match`` object (tournament, ratings)."""

_current_task = threading.local()

OWNERSHIP_CHECK_S = 1.0
"""How often a playing run asks its match row whether it still owns it (one indexed read): a
run that another run has taken over stops within about this long. Never per tick: a live tick
has 16 ms."""


class MatchError(Exception):
    """A match that cannot be created; the message says why in one line."""


def house_agent() -> Agent | None:
    """The demo's imitation agent (a house entrant), when the demo data is there.

    The demo's team is the one ``manage.py demo`` made (its accounts are marked), not any team
    that happens to be called "demo": a user's own Copycat never becomes a house entrant.
    """
    demo_team = Agent.objects.filter(team__demo_accounts__isnull=False)
    return demo_team.filter(name=HOUSE_AGENT_NAME, state=Agent.READY).first()


def side_from_name(name: str, *, user=None) -> Agent | str:
    """A built-in bot name, ``copycat`` (the house agent) or an agent's name → a side.

    Raises:
        MatchError: for a name that is none of these (or an agent the user may not use).
    """
    if name in BOT_NAMES:
        return name
    if name.lower() == "copycat":
        agent = house_agent()
        if agent is None:
            raise MatchError("the house agent Copycat is not there (run `manage.py demo`)")
        return agent
    agents = Agent.objects.filter(name=name, state=Agent.READY)
    if user is not None:
        agents = agents.filter(pk__in=Agent.objects.visible_to(user))
    found = list(agents[:2])
    if len(found) != 1:
        choices = ", ".join([*BOT_NAMES, "copycat"])
        why = "several agents are" if found else "no ready agent is"
        raise MatchError(f"{why} called {name!r}; use an agent's name or one of {choices}")
    return found[0]


def match_create(
    *,
    p1: Agent | str,
    p2: Agent | str,
    characters: tuple[str, str] = ("kaito", "brick"),
    best_of: int = 1,
    live: bool = False,
    public: bool = False,
    kind: str = "tournament",
    team: Team | None = None,
    seed: int | None = None,
    max_rounds: int = 3,
    round_seconds: int = 99,
) -> Match:
    """A scheduled match between two sides (agents or built-in bot names).

    Raises:
        MatchError: for an unknown character, a bot name that is not built in, or an even
            best-of.
    """
    for c in characters:
        if c not in CHARACTER_NAMES:
            raise MatchError(f"unknown character {c!r}; one of {', '.join(CHARACTER_NAMES)}")
    for side in (p1, p2):
        if isinstance(side, str) and side not in BOT_NAMES:
            raise MatchError(f"unknown bot {side!r}; one of {', '.join(BOT_NAMES)}")
    if best_of < 1 or best_of % 2 == 0:
        raise MatchError(f"best-of must be odd and at least 1, got {best_of}")
    return Match.objects.create(
        p1_agent=p1 if isinstance(p1, Agent) else None,
        p2_agent=p2 if isinstance(p2, Agent) else None,
        p1_label=str(p1),
        p2_label=str(p2),
        kind=kind,
        team=team,
        seed=random.randrange(1 << 31) if seed is None else seed,
        characters=list(characters),
        best_of=best_of,
        max_rounds=max_rounds,
        round_seconds=round_seconds,
        live=live,
        public=public,
        state=Match.SCHEDULED,
    )


def match_enqueue(match: Match, *, task: str = RUN_TASK) -> bool:
    """Hands the match to the workers (``task(match_id)``)."""
    Match.objects.filter(pk=match.pk).update(task_func=task, task_args=[match.pk])
    return enqueue(task, match.pk, name=f"match-{match.pk}-{match.attempts}", group="matches")


def _agent_player(
    agent: Agent,
    side: int,
    *,
    budget_s: float = DEFAULT_BUDGET_S,
    overage_s: float = DEFAULT_OVERAGE_S,
    forfeit_if_unloadable: bool = True,
) -> Player:
    from .services import agent_policy

    try:
        policy = agent_policy(agent)
    except Exception as exc:  # noqa: BLE001 - a broken agent forfeits, the match goes on
        if not forfeit_if_unloadable:
            # Its file was checked at upload: this is the machine's (a storage hiccup), and a
            # tournament game fails for its organiser to play again or award, unrated.
            raise RuntimeError(f"{agent.name} could not be loaded: {exc}") from exc
        reason = f"could not be loaded: {exc}"

        def policy(obs: Any) -> int:
            raise RuntimeError(reason)

        return Player(agent.name, policy=policy, decision_ticks=agent.frame_skip)
    reset = getattr(policy, "__self__", None)
    return Player(
        agent.name,
        policy=policy,
        decision_ticks=agent.frame_skip,
        budget_s=budget_s,
        overage_s=overage_s,
        reset=(lambda seed: reset.reset()) if reset is not None else None,
        # One untimed decision first, in the thread that plays (the play page loads the agent in
        # another): torch's first call there allocates; it is not the agent's thinking.
        warm_up=lambda: policy(_warmup_obs(side)),
    )


def _warmup_obs(side: int):
    from tournaments.arena import observe

    return observe(Game(), side)


def match_players(match: Match) -> list[Player | str]:
    """The two sides as runner players (agents loaded, bots by name)."""
    # A bracket slot's game fails when an agent cannot be loaded (its organiser plays it again
    # or awards it); any other match goes on with that side forfeiting.
    in_bracket = TournamentMatch.objects.filter(match_id=match.pk).exists()
    sides: list[Player | str] = []
    for i, (agent, label) in enumerate(
        ((match.p1_agent, match.p1_label), (match.p2_agent, match.p2_label))
    ):
        sides.append(
            label
            if agent is None
            else _agent_player(agent, i, forfeit_if_unloadable=not in_bracket)
        )
    return sides


def match_info(match: Match) -> dict[str, Any]:
    """The ``match`` object of a spectator's snapshot."""
    info: dict[str, Any] = {
        "id": match.pk,
        "p1": {"name": match.p1_label, "rating": None},
        "p2": {"name": match.p2_label, "rating": None},
        "best_of": match.best_of,
        "tournament": None,
        "characters": list(match.characters),
        "state": match.state,
    }
    for hook in MATCH_INFO_HOOKS:
        try:
            hook(match, info)
        except Exception:  # noqa: BLE001 - an overlay detail never breaks watching
            logger.exception("match info hook %r failed", hook)
    return info


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def match_run(
    match_id: int,
    *,
    on_finish: Callable[[Match], None] | None = None,
    only_if: Q | Exists | None = None,
) -> Match:
    """Plays a match and stores its result; ``on_finish(match)`` runs in the same transaction.

    Idempotent: a finished match is returned as it is (``on_finish`` is not called again); a
    match another live worker is playing is left to it; a match whose worker died is played
    again from its seed.

    Args:
        match_id: the Match.
        on_finish: called with the finished match inside the transaction that stores it,
            exactly once per match (brackets advance the bracket and the ratings here).
        only_if: a further condition on the match row, checked in the claim's own UPDATE
            (a bracket game: its tournament is still running), so no check-then-claim race.

    Returns:
        The match as stored.
    """
    match = Match.objects.select_related("p1_agent", "p2_agent").get(pk=match_id)
    if match.state == Match.DONE:
        return match
    if match.state == Match.RUNNING and match.worker_pid != os.getpid():
        if _pid_alive(match.worker_pid):
            return match
    pid = os.getpid()
    task = getattr(_current_task, "value", None)
    # ticks: a game played again after a failure starts with none of that run's.
    claim = {"state": Match.RUNNING, "worker_pid": pid, "started_at": timezone.now(), "ticks": 0}
    if task and not match.task_func:
        claim.update(task_func=task[0], task_args=task[1])
    claimed = Match.objects.filter(
        only_if if only_if is not None else Q(),
        pk=match.pk,
        state=match.state,
        attempts=match.attempts,
        worker_pid=match.worker_pid,
    ).update(attempts=F("attempts") + 1, **claim)
    if not claimed:  # another worker took it between our read and our claim
        return Match.objects.get(pk=match_id)
    attempt = match.attempts + 1
    if attempt > 1:
        logger.warning("match %s: attempt %s, played again from its seed", match.pk, attempt)
    broadcaster = None
    if match.live:
        from .broadcast import Broadcaster

        broadcaster = Broadcaster(match.pk, attempt=attempt)
        broadcaster.start()
    reached = [0]  # ticks played so far: a run that raises says how far it got
    owner = _StillOwned(match.pk, pid=pid, attempt=attempt)

    def on_tick(game: Game, match_tick: int) -> None:
        reached[0] = match_tick
        if broadcaster is not None and not owner.lost:
            broadcaster(game, match_tick)

    try:
        result = run_match(
            match_players(match),
            seed=match.seed,
            characters=tuple(match.characters),
            best_of=match.best_of,
            max_rounds=match.max_rounds,
            round_seconds=match.round_seconds,
            realtime=match.live,
            on_tick=on_tick,
            on_game_over=broadcaster.game_over if broadcaster else None,
            stop=owner,
        )
    except Exception as exc:
        logger.exception("match %s failed", match.pk)
        owned = Match.objects.filter(pk=match.pk, worker_pid=pid, attempts=attempt).update(
            state=Match.FAILED,
            failure_reason=error_reason(exc),
            ticks=reached[0],  # 0 when it failed before its first tick (a side not built)
        )
        if broadcaster is not None:
            _broadcast_failure(broadcaster, error_reason(exc), reached[0], owned=bool(owned))
        raise
    if owner.lost:  # another run plays it now: its spectators and its result are that run's
        logger.warning(
            "match %s: another run took it over; this one stopped after %s ticks",
            match.pk, result.ticks,
        )  # fmt: skip
        if broadcaster is not None:
            broadcaster.abandon()
            broadcaster.close()
        return Match.objects.select_related("p1_agent", "p2_agent").get(pk=match_id)
    try:
        with transaction.atomic():
            stored = match_store_result(match, result, pid=pid, attempt=attempt)
            match = Match.objects.select_related("p1_agent", "p2_agent").get(pk=match_id)
            if stored and on_finish is not None:
                on_finish(match)
    except Exception as exc:  # the result is rolled back with what on_finish wrote
        logger.exception("match %s: storing the result failed", match_id)
        owned = Match.objects.filter(pk=match_id, worker_pid=pid, attempts=attempt).update(
            state=Match.FAILED,
            failure_reason=f"on finish: {error_reason(exc)}"[:2000],
            ticks=result.ticks,  # played to its end: how far it got, for its pages
        )
        if broadcaster is not None:
            _broadcast_failure(broadcaster, error_reason(exc), result.ticks, owned=bool(owned))
        raise
    if broadcaster is not None:
        if stored:
            broadcaster.over(result.winner, result.ticks)
        broadcaster.close()
    return match


class _StillOwned:
    """The runner's ``stop`` for a run of ``match_run``: True once its match row is no longer
    this run's (another run claimed it: a worker that took this one's for dead), so it stops
    playing, and publishing, a match that is no longer its own.

    Polled every tick, it reads the row at most every ``OWNERSHIP_CHECK_S`` (a clock read
    otherwise). A read that fails (a database hiccup) keeps playing: the result is stored only
    if the row is still this run's anyway.
    """

    def __init__(self, match_id: int, *, pid: int, attempt: int) -> None:
        self.match_id = match_id
        self.pid = pid
        self.attempt = attempt
        self.lost = False
        self.next_at = time.monotonic() + OWNERSHIP_CHECK_S

    def __call__(self) -> bool:
        if self.lost:
            return True
        now = time.monotonic()
        if now < self.next_at:
            return False
        self.next_at = now + OWNERSHIP_CHECK_S
        try:
            owned = Match.objects.filter(
                pk=self.match_id, state=Match.RUNNING, worker_pid=self.pid, attempts=self.attempt
            ).exists()
        except Exception:  # noqa: BLE001 - asked again in a second
            logger.warning("match %s: could not check who owns it", self.match_id, exc_info=True)
            return False
        self.lost = not owned
        return self.lost


def _broadcast_failure(broadcaster: Broadcaster, reason: str, ticks: int, *, owned: bool) -> None:
    """Tells a failed match's spectators (``failed``: the reason as they may read it), or their
    page waits for a tick that never comes; then closes the broadcaster.

    Only when this run still owned the row (``owned``: its FAILED update matched): a run whose
    row another run has taken over since (played again after its worker was thought dead) says
    nothing; the match goes on, and a ``failed`` here would end the spectators' page, and be
    kept as the end for late joiners, while the other run plays it."""
    try:
        if owned:
            broadcaster.failed(readable_reason(reason), ticks)
        else:
            logger.warning(
                "match %s: this run no longer owns it; spectators not told", broadcaster.match_id
            )
    except Exception:  # noqa: BLE001 - the match is marked failed all the same
        logger.exception("match %s: its spectators were not told", broadcaster.match_id)
    broadcaster.close()


def match_store_result(match: Match, result: MatchResult, *, pid: int, attempt: int) -> bool:
    """Stores a result if this run still owns the match; False when another run got there first."""
    from .services import _forfeit_line

    names = (match.p1_label, match.p2_label)
    forfeits = [_forfeit_line(g, i, names) for i, g in enumerate(result.games) if g.forfeit]
    games = [g.to_dict() for g in result.games]
    return bool(
        Match.objects.filter(
            pk=match.pk, state=Match.RUNNING, worker_pid=pid, attempts=attempt
        ).update(
            state=Match.DONE,
            winner=result.winner or "",
            ticks=result.ticks,
            games=games,
            record=games[-1] if games else {},
            forfeit_reason="\n".join(forfeits),
            finished_at=timezone.now(),
        )
    )


def matches_requeue_orphans(*, include_scheduled: bool = False) -> int:
    """Hands out again every running match whose worker is gone (and, at start-up, the
    scheduled ones whose queue entry was lost); returns how many."""
    states = Q(state=Match.RUNNING)
    if include_scheduled:
        states |= Q(state=Match.SCHEDULED)
    count = 0
    for match in Match.objects.filter(states).exclude(task_func=""):
        if match.state == Match.RUNNING and _pid_alive(match.worker_pid):
            continue
        # Claim it (two new workers may sweep at once): only one resets the row.
        if not Match.objects.filter(
            pk=match.pk, state=match.state, worker_pid=match.worker_pid
        ).update(state=Match.SCHEDULED, worker_pid=None):
            continue
        logger.warning("match %s lost its worker; handing it out again", match.pk)
        enqueue(
            match.task_func,
            *match.task_args,
            name=f"match-{match.pk}-{match.attempts}",
            group="matches",
        )
        count += 1
    return count


def remember_task(func: Any, args: Any) -> None:
    """Notes which django-q2 task this worker is running (``pre_execute``)."""
    if func is None:
        _current_task.value = None
        return
    name = func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"
    _current_task.value = (name, list(args or []))


def match_render_video(*, match_id: int, team_id: int, user_id: int):
    """Renders a finished match from its record and registers the MP4 as the team's replay,
    detected with the built-in arena profile (its K.O.s land on the replay's timeline).

    Returns:
        The replay (an existing one when the same video was registered before).
    """
    import tempfile
    from pathlib import Path

    from django.conf import settings
    from django.contrib.auth import get_user_model

    from replays.models import GameProfile
    from replays.profiles.services import profiles_install_builtin
    from replays.services import replay_ingest_file
    from tournaments.arena import MatchRecord
    from tournaments.arena.video import render_records_video
    from tournaments.broadcast import win_model

    match = Match.objects.get(pk=match_id, state=Match.DONE)
    team = Team.objects.get(pk=team_id)
    user = get_user_model().objects.filter(pk=user_id).first()
    arena = GameProfile.objects.filter(team=None, name="arena").first()
    if arena is None:
        profiles_install_builtin()
        arena = GameProfile.objects.get(team=None, name="arena")
    folder = Path(settings.MEDIA_ROOT) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        video = Path(tmp) / f"match-{match.pk}.mp4"
        render_records_video(
            video, [MatchRecord.from_dict(g) for g in match.games], fps=30,
            match=match_info(match), win_prob=win_model(),
        )  # fmt: skip
        name = f"match {match.pk} {match.p1_label} vs {match.p2_label}.mp4"
        replay, _ = replay_ingest_file(
            team=team, uploader=user, source=video, original_name=name, move=True, profile=arena
        )
    return replay
