"""django-q2 entry points: ids in, services do the work."""

from __future__ import annotations

from . import services


def evaluate_agent(agent_id: str) -> None:
    services.agent_evaluate(agent_id=agent_id)


def match_run_task(match_id: int) -> None:
    """Plays a scheduled match (see ``tournaments.matches.match_run``)."""
    from .matches import match_run

    match_run(int(match_id))


def match_render_task(match_id: int, team_id: int, user_id: int) -> None:
    """Renders a finished match to MP4 and registers it as a replay (arena profile)."""
    from .matches import match_render_video

    match_render_video(match_id=match_id, team_id=team_id, user_id=user_id)


def tournament_game_play(match_id: int) -> None:
    from . import tournament_services

    tournament_services.tournament_game_play(match_id=match_id)
