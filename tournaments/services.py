"""Agents in the site: upload (never unpickling), evaluation against the built-in CPUs, records."""

from __future__ import annotations

import csv
import logging
import unicodedata
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from coach import storage
from coach.models import Team
from coach.params import plain_name
from coach.queue import enqueue
from tournaments.agents.agent_file import (
    METRICS_NAME,
    AgentFileError,
    inspect_agent,
    load_agent,
    read_agent_files,
)
from tournaments.arena import BOT_NAMES, CHARACTER_NAMES, N_ACTIONS, OBS_SIZE
from tournaments.arena.runner import run_match

from .matches import HOUSE_AGENT_NAME
from .models import Agent, Match

logger = logging.getLogger(__name__)

EVALUATION_OPPONENTS = ("random", "cpu_easy", "cpu_medium", "cpu_hard")


class AgentUploadError(Exception):
    """An agent file that cannot be accepted; the message says why in one line."""


def agent_upload(*, team: Team, owner, name: str, upload: BinaryIO, description: str = "") -> Agent:
    """Checks an agent zip (config.json + model.safetensors [+ metrics.csv]) and stores it.

    In the request only what costs nothing is checked: the members and their sizes, the config,
    the arena's observation and action sizes, and the weights' names, shapes and dtypes against
    the declared architecture within a parameter budget (from the safetensors header and a
    skeleton on torch's meta device). The agent is stored as "checking"; a worker then builds
    the network and loads the weights (``agent_evaluate``), and marks it failed with the reason
    or goes on to evaluate it.

    Raises:
        AgentUploadError: with the reason, for a bad file, name or observation type.
    """
    name = plain_name(name)
    if not name:
        raise AgentUploadError("give the agent a name")
    if len(name) > 100:
        raise AgentUploadError(f"the name is {len(name)} characters long; at most 100 fit")
    if _house_name(name) and not (
        name == HOUSE_AGENT_NAME and team.demo_accounts.exists()  # the demo's own Copycat
    ):
        raise AgentUploadError(
            f"{name!r} is the name of a house opponent (every team plays and meets them):"
            " choose another name"
        )
    try:
        files = read_agent_files(upload)
        config = inspect_agent(files, check=_check_arena_sizes)
    except AgentFileError as exc:
        raise AgentUploadError(str(exc)) from exc
    try:
        with transaction.atomic():
            agent = Agent.objects.create(
                team=team,
                owner=owner,
                name=name,
                description=description[:2000],
                architecture=config["architecture"],
                obs_type=config["obs"]["type"],
                frame_skip=config["frame_skip"],
                config=config,
                folder="",
                has_metrics=METRICS_NAME in files,
                state=Agent.CHECKING,
            )
            agent.folder = f"agents/{agent.pk}"
            agent.save(update_fields=["folder"])
            agent.path.mkdir(parents=True, exist_ok=True)
            for member, data in files.items():
                (agent.path / member).write_bytes(data)
            storage.publish_tree(agent.path)
    except IntegrityError as exc:
        raise AgentUploadError(f"your team already has an agent called {name!r}") from exc
    transaction.on_commit(lambda: agent_enqueue_evaluation(agent))
    return agent


def _check_arena_sizes(config: dict) -> None:
    """The site's arena feeds the state vector and takes one of its actions: nothing else fits."""
    if config["obs"]["type"] != "state":
        raise AgentUploadError(
            "only agents that observe the state vector (obs=state) can play in the site yet"
        )
    if config["obs"]["shape"] != [OBS_SIZE]:
        raise AgentUploadError(
            f"obs.shape is {config['obs']['shape']}; the arena's state vector is [{OBS_SIZE}]"
        )
    if config["n_actions"] != N_ACTIONS:
        raise AgentUploadError(
            f"n_actions is {config['n_actions']!r}; the arena has {N_ACTIONS} actions"
        )


def agent_check(agent: Agent) -> bool:
    """Builds the stored agent for real (in a worker) and records whether it loads.

    Returns:
        True when it loads (the agent moves on to "evaluating"), else False ("failed").
    """
    try:
        load_agent(agent.path)
    except AgentFileError as exc:
        agent.state, agent.failure_reason = Agent.FAILED, f"not accepted: {exc}"
    else:
        agent.state, agent.failure_reason = Agent.EVALUATING, ""
    agent.save(update_fields=["state", "failure_reason"])
    return agent.state == Agent.EVALUATING


def agent_enqueue_evaluation(agent: Agent) -> None:
    enqueue(
        "tournaments.tasks.evaluate_agent", str(agent.pk), name=f"agent-{agent.pk}", group="agents"
    )


def agents_requeue_pending() -> int:
    """Enqueues the evaluation of every agent still waiting for it; returns how many."""
    pending = list(Agent.objects.filter(state__in=(Agent.CHECKING, Agent.EVALUATING)))
    for agent in pending:
        agent_enqueue_evaluation(agent)
    return len(pending)


def agent_policy(agent: Agent):
    """The agent as a ``obs -> action`` callable, fresh recurrent state (one torch thread)."""
    import torch

    torch.set_num_threads(1)  # one thread is fastest for one decision, and keeps CPU time honest
    loaded = load_agent(agent.path)
    loaded.reset()
    return loaded.act


def agent_evaluate(*, agent_id: str, games: int | None = None) -> None:
    """Plays the agent against each built-in opponent, on both sides, and records the matches.

    Idempotent: a re-run replaces the agent's earlier evaluation matches.
    """
    agent = Agent.objects.filter(pk=agent_id).first()
    if agent is None or (agent.state == Agent.CHECKING and not agent_check(agent)):
        return
    games = games or settings.FILMROOM_AGENT_EVALUATION_GAMES
    try:
        Match.objects.filter(kind="evaluation", p1_agent=agent).delete()
        Match.objects.filter(kind="evaluation", p2_agent=agent).delete()
        characters = _characters_for(agent)
        for opponent in EVALUATION_OPPONENTS:
            for n in range(games):
                as_p1 = n % 2 == 0
                me = _agent_player(agent, 0 if as_p1 else 1)
                result = run_match(
                    (me, opponent) if as_p1 else (opponent, me),
                    seed=1000 + n,
                    characters=characters if as_p1 else characters[::-1],
                )
                match_save_result(
                    result, p1=agent if as_p1 else opponent, p2=opponent if as_p1 else agent
                )
        agent.state, agent.failure_reason = Agent.READY, ""
    except Exception as exc:  # noqa: BLE001 - a job leaves a readable state, never a crash
        logger.exception("evaluating agent %s failed", agent_id)
        # An exception may say nothing (RuntimeError()): the reason still reads as a sentence.
        detail = str(exc) or "an unexplained error"
        agent.state, agent.failure_reason = Agent.FAILED, f"evaluation stopped: {detail}"
    agent.save(update_fields=["state", "failure_reason"])


def _agent_player(agent: Agent, side: int):
    from .matches import _agent_player as player

    return player(agent, side)


def _house_name(name: str) -> bool:
    """Whether a name reads as a house opponent's (``CPU hard``, ``copy-cat``, full-width
    ``ＣＰＵ ｈａｒｄ``): on brackets and the public leaderboard the two could not be told apart.
    Compared as a team's name is (``coach.models.team_name_key``): after Unicode compatibility
    folding (NFKC) and case folding, on letters and digits only."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    key = "".join(ch for ch in folded if ch.isalnum())
    return key in {"".join(ch for ch in h if ch.isalnum()) for h in (*BOT_NAMES, "copycat")}


def _characters_for(agent: Agent) -> tuple[str, str]:
    """The evaluation's characters: a mirror match on the agent's own character (its config's
    first), so every agent's record is against the same fighter it plays, whatever its config
    asks of the opponent (an overpowered pick against a weak one made records incomparable)."""
    chars = [c for c in (agent.config.get("characters") or []) if c in CHARACTER_NAMES]
    first = chars[0] if chars else CHARACTER_NAMES[0]
    return first, first


def match_save(record, *, p1: Agent | str, p2: Agent | str, kind: str = "evaluation") -> Match:
    """Stores a played one-game match (a ``MatchRecord``); ``p1``/``p2``: agents or names."""
    return Match.objects.create(
        p1_agent=p1 if isinstance(p1, Agent) else None,
        p2_agent=p2 if isinstance(p2, Agent) else None,
        p1_label=str(p1),
        p2_label=str(p2),
        kind=kind,
        seed=record.seed,
        characters=list(record.characters),
        record=record.to_dict(),
        games=[record.to_dict()],
        winner=record.winner or "",
        ticks=record.ticks,
        forfeit_reason=_forfeit_line(record, 0, (str(p1), str(p2))),
        state=Match.DONE,
    )


def match_save_result(
    result, *, p1: Agent | str, p2: Agent | str, kind: str = "evaluation"
) -> Match:
    """Stores a played match (a runner ``MatchResult``, any best-of)."""
    names = (str(p1), str(p2))
    games = [g.to_dict() for g in result.games]
    return Match.objects.create(
        p1_agent=p1 if isinstance(p1, Agent) else None,
        p2_agent=p2 if isinstance(p2, Agent) else None,
        p1_label=names[0],
        p2_label=names[1],
        kind=kind,
        seed=result.seed,
        characters=list(result.characters),
        best_of=result.best_of,
        record=games[-1] if games else {},
        games=games,
        winner=result.winner or "",
        ticks=result.ticks,
        forfeit_reason="\n".join(
            _forfeit_line(g, i, names) for i, g in enumerate(result.games) if g.forfeit
        ),
        state=Match.DONE,
    )


def _forfeit_line(record, index: int, names: tuple[str, str]) -> str:
    f = record.forfeit
    if not f:
        return ""
    who = names[0 if f["side"] == "p1" else 1]
    return f"game {index + 1}: {who} ({f['side']}) forfeits at tick {f['tick']}: {f['reason']}"


def agent_training_curve(agent: Agent) -> list[dict[str, str]]:
    """Rows of the agent's metrics.csv (empty when it has none or it cannot be read)."""
    if not agent.has_metrics or not agent.metrics_path.exists():
        return []
    with agent.metrics_path.open(newline="") as fh:
        return list(csv.DictReader(fh))[:20_000]


def agent_unfinished_tournaments(agent: Agent, state: str = "running") -> list:
    """The tournaments in ``state`` the agent is entered in: running ones (their games need it),
    or drafts (nothing played yet: deleting the agent withdraws it from them)."""
    from .models import Tournament

    return list(
        Tournament.objects.filter(entrants__agent=agent, state=state).distinct().order_by("pk")
    )


class AgentInUse(ValueError):
    """The agent cannot be deleted now; the message says why."""


def agent_delete(agent: Agent) -> None:
    """Deletes an agent, its files (once the deletion is committed) and its matches, except its
    games in finished tournaments: they stay, under its name, as the record of the tournament.

    Raises:
        AgentInUse: it is entered in a running tournament. Deleting it would delete its
            queued games too and leave the bracket waiting on them for ever. (From a draft it
            is simply withdrawn.)
    """
    folder: Path = agent.path
    with transaction.atomic():
        busy = agent_unfinished_tournaments(agent)
        if busy:
            names = ", ".join(f"\u201c{t.name}\u201d" for t in busy[:3])
            raise AgentInUse(
                f"{agent.name} is entered in {names}, which "
                f"{'is' if len(busy) == 1 else 'are'} being played: it can be deleted once "
                f"{'it has' if len(busy) == 1 else 'they have'} finished (or been cancelled)."
            )
        from .models import Entrant, Tournament

        # Withdrawn from drafts (no game there yet): an entry with no agent could not play.
        Entrant.objects.filter(agent=agent, tournament__state=Tournament.DRAFT).delete()
        played = Q(p1_agent=agent) | Q(p2_agent=agent)
        Match.objects.filter(played).exclude(kind="tournament").delete()
        agent.delete()
        transaction.on_commit(lambda: storage.remove_tree(folder))
