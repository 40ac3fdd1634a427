"""django-q2 entry points: ids in, services do the work."""

from __future__ import annotations

import os
import socket

from . import services
from .corrections import services as corrections
from .verifiers import services as verifiers


def process_replay(replay_id: int) -> str:
    """Returns where it ran (``host:pid``): django-q2 keeps it as the task's result, so with
    many worker machines the admin's task list says which one processed a replay."""
    services.replay_process(replay_id=replay_id)
    return f"{socket.gethostname()}:{os.getpid()}"


def cut_clips(replay_id: int) -> None:
    corrections.replay_cut_missing_clips(replay_id=replay_id)


def train_verifier(verifier_id: int) -> None:
    verifiers.profile_verifier_train(verifier_id=verifier_id)
