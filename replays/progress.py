"""Live job progress: the worker publishes a replay's state to the channel group ``replay-<id>``.

The replay page listens on ``ws/replays/<id>/`` (``replays.consumers.ReplayProgressConsumer``)
instead of polling. Messages (JSON, server → browser)::

    {"type": "status", "id": 7, "state": "running", "progress": 42.5,
     "stage": "finding kills and deaths", "eta_s": 12.3, "failure_reason": "", ...}

``eta_s`` is the estimated time left in seconds (null until it can be guessed: the first 2 %
and the first 0.2 s of a run). A stage change or a new state is always sent; progress within
one stage at most ``MAX_PER_S`` times a second. Publishing is best effort: a job never fails
because the channel layer is down (the page then falls back to slow polling).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

MAX_PER_S = 4


def group_name(replay_id: int) -> str:
    """The channel group of one replay's job."""
    return f"replay-{replay_id}"


@dataclass
class _Run:
    started: float
    last_sent: float = 0.0
    last_key: tuple = ()
    warned: bool = False


_runs: dict[int, _Run] = {}  # one per replay whose job runs in this process


def eta_seconds(progress: float, elapsed_s: float) -> float | None:
    """Time left if the rest goes as fast as what is done so far.

    Args:
        progress: percent done, 0..100.
        elapsed_s: seconds since the run started.
    """
    if progress < 2 or elapsed_s < 0.2 or progress >= 100:
        return None if progress < 100 else 0.0
    return round(elapsed_s * (100 - progress) / progress, 1)


def publish_status(replay) -> None:
    """Sends the replay's current state to its group (throttled; never raises).

    Args:
        replay: a ``replays.models.Replay`` whose fields hold the state to publish.
    """
    now = time.monotonic()
    run = _runs.get(replay.pk)
    fresh_start = replay.progress == 0 and replay.stage == "probing"  # what mark_running writes
    if replay.state == "running" and (run is None or fresh_start):
        run = _runs[replay.pk] = _Run(started=now)
    key = (replay.state, replay.stage)
    if run is not None and key == run.last_key and now - run.last_sent < 1 / MAX_PER_S:
        return
    message = {
        "type": "replay.status",
        **replay.status_dict(),
        "eta_s": eta_seconds(replay.progress, now - run.started) if run else None,
    }
    if run is not None:
        run.last_sent, run.last_key = now, key
    if replay.state in ("done", "failed"):
        _runs.pop(replay.pk, None)
    try:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group_name(replay.pk), message)
    except Exception as exc:  # noqa: BLE001 - progress is best effort; the job goes on
        # Once per run: with the channel layer down every update would fail the same way.
        level = logging.WARNING if run is None or not run.warned else logging.DEBUG
        logger.log(level, "replay %s: progress not published (%s)", replay.pk, exc)
        if run is not None:
            run.warned = True
