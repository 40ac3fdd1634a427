"""django-q2 entry points: ids in, services do the work."""

from __future__ import annotations

from . import services


def evaluate_agent(agent_id: str) -> None:
    services.agent_evaluate(agent_id=agent_id)


def tournament_game_play(match_id: int) -> None:
    from . import tournament_services

    tournament_services.tournament_game_play(match_id=match_id)
