"""Handing work to the django-q2 cluster, the same way from every app."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django_q.tasks import async_task
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def enqueue(func: str, *args: object, name: str, group: str) -> bool:
    """Queues ``func(*args)`` for the workers (runs it here when Q_CLUSTER["sync"] is on).

    Returns:
        False when the queue cannot be reached: the caller's row stays in its waiting state,
        and ``manage.py serve`` hands such rows out again when the workers start.
    """
    sync = bool(settings.Q_CLUSTER.get("sync"))
    url = settings.Q_CLUSTER.get("redis")
    if not sync and isinstance(url, str) and url.startswith("unix://") and not _socket_exists(url):
        # No Redis listens there yet (e.g. `manage.py demo` before `serve` started the embedded
        # one): a normal state, not an error worth a connection-refused line.
        logger.info("%s waits for the queue: `manage.py serve` hands it out", name)
        return False
    try:
        async_task(func, *args, task_name=name, group=group, sync=sync)
    except RedisError as exc:
        logger.warning(
            "%s is waiting: the queue is not running (%s); `manage.py serve` hands it out",
            name,
            exc,
        )
        return False
    return True


def _socket_exists(url: str) -> bool:
    return Path(urlsplit(url).path).exists()
