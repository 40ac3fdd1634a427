"""Agents in the site: upload (never unpickling), evaluation against the built-in CPUs, records."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction

from coach import storage
from coach.models import Team
from coach.queue import enqueue
from tournaments.agents.agent_file import (
    METRICS_NAME,
    AgentFileError,
    load_agent,
    read_agent_files,
    zip_bytes,
)
from tournaments.arena import CHARACTER_NAMES
from tournaments.arena.runner import run_match

from .models import Agent, Match

logger = logging.getLogger(__name__)

EVALUATION_OPPONENTS = ("random", "cpu_easy", "cpu_medium", "cpu_hard")


class AgentUploadError(Exception):
    """An agent file that cannot be accepted; the message says why in one line."""


def agent_upload(*, team: Team, owner, name: str, upload: BinaryIO, description: str = "") -> Agent:
    """Validates an agent zip (config.json + model.safetensors [+ metrics.csv]) and stores it.

    The weights are loaded into the architecture named by the config, from the project's
    registry, without unpickling anything; the agent is then evaluated in the background.

    Raises:
        AgentUploadError: with the reason, for a bad file, name or observation type.
    """
    name = name.strip()[:100]
    if not name:
        raise AgentUploadError("give the agent a name")
    try:
        files = read_agent_files(upload)
        loaded = load_agent(io.BytesIO(zip_bytes(files)))
    except AgentFileError as exc:
        raise AgentUploadError(str(exc)) from exc
    if loaded.obs_type != "state":
        raise AgentUploadError(
            "only agents that observe the state vector (obs=state) can play in the site yet"
        )
    try:
        with transaction.atomic():
            agent = Agent.objects.create(
                team=team,
                owner=owner,
                name=name,
                description=description[:2000],
                architecture=loaded.architecture,
                obs_type=loaded.obs_type,
                frame_skip=loaded.frame_skip,
                config=loaded.config,
                folder="",
                has_metrics=METRICS_NAME in files,
            )
            agent.folder = f"agents/{agent.pk}"
            agent.save(update_fields=["folder"])
            agent.path.mkdir(parents=True, exist_ok=True)
            for member, data in files.items():
                (agent.path / member).write_bytes(data)
            storage.publish_tree(agent.path)
    except IntegrityError as exc:
        raise AgentUploadError(f"your team already has an agent called {name!r}") from exc
    if enqueue:  # otherwise the next `serve` start hands the evaluation out
        transaction.on_commit(lambda: agent_enqueue_evaluation(agent))
    return agent


def agent_enqueue_evaluation(agent: Agent) -> None:
    enqueue(
        "tournaments.tasks.evaluate_agent", str(agent.pk), name=f"agent-{agent.pk}", group="agents"
    )


def agents_requeue_pending() -> int:
    """Enqueues the evaluation of every agent still waiting for it; returns how many."""
    pending = list(Agent.objects.filter(state=Agent.EVALUATING))
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
    if agent is None:
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
        agent.state, agent.failure_reason = Agent.FAILED, f"evaluation stopped: {exc}"
    agent.save(update_fields=["state", "failure_reason"])


def _agent_player(agent: Agent, side: int):
    from .matches import _agent_player as player

    return player(agent, side)


def _characters_for(agent: Agent) -> tuple[str, str]:
    chars = [c for c in (agent.config.get("characters") or []) if c in CHARACTER_NAMES]
    first = chars[0] if chars else CHARACTER_NAMES[0]
    second = chars[1] if len(chars) > 1 else first
    return first, second


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


def agent_delete(agent: Agent) -> None:
    """Deletes an agent and its matches; its files go once the deletion is committed."""
    folder: Path = agent.path
    with transaction.atomic():
        agent.delete()
        transaction.on_commit(lambda: storage.remove_tree(folder))
