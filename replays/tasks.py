"""django-q2 entry points: ids in, services do the work."""

from __future__ import annotations

from . import services


def process_replay(replay_id: int) -> None:
    services.replay_process(replay_id=replay_id)
