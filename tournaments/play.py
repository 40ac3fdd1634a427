"""Services behind the play page: starting a person-vs-agent match and keeping its recording."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from .live import LiveMatch
from .models import Agent, Dataset
from .services import agent_policy, match_save


def agent_for(user, agent_id: str) -> Agent | None:
    """The agent if the user's team owns it (or the user is staff), else None."""
    try:
        return Agent.objects.visible_to(user).filter(pk=agent_id, state=Agent.READY).first()
    except (ValueError, TypeError):  # not a UUID
        return None


def start_match(user, agent: Agent, characters: tuple[str, str], seed: int) -> LiveMatch:
    """A live match with the user on p1 and the agent on p2, recorded into a new dataset."""
    dataset = Dataset.objects.create(
        team=agent.team,
        player=user,
        opponent=agent.name,
        characters=list(characters),
        folder="",
    )
    dataset.folder = f"datasets/{dataset.pk}"
    dataset.save(update_fields=["folder"])
    match = LiveMatch(
        characters=characters,
        seed=seed,
        p2=agent_policy(agent),
        p2_frame_skip=agent.frame_skip,
        dataset=Path(settings.MEDIA_ROOT) / dataset.folder,
        meta={
            "player": user.get_username(),
            "opponent": agent.name,
            "characters": list(characters),
            "obs": "state",
            "frame_skip": 1,
        },
    )
    match.dataset_id = dataset.pk
    return match


def finish_match(user, agent: Agent, match: LiveMatch) -> Dataset:
    """Closes the recording and stores the match (finished or not)."""
    ticks = match.close()
    dataset = Dataset.objects.get(pk=match.dataset_id)
    dataset.ticks = ticks
    dataset.winner = match.game.winner or ""
    dataset.save(update_fields=["ticks", "winner"])
    if match.done:
        match_save(match.record(), p1=user.get_username(), p2=agent, kind="play")
    return dataset
