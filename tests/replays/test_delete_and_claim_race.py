"""A replay deleted at the moment a worker claims its job: exactly one of them wins.

Each test runs the two sides' steps in the order that raced (a request's read, the worker's read,
the worker's claim, the delete), so the interleaving is the same on every run.
"""

from __future__ import annotations

import pytest

from replays.models import Replay
from replays.services import (
    ReplayDeleteError,
    replay_delete,
    replay_process,
    replay_run_claimed,
)


def queued_again(replay: Replay) -> Replay:
    """The replay as *Process again* leaves it: queued, its job on its way to a worker."""
    Replay.objects.filter(pk=replay.pk).update(state=Replay.QUEUED, progress=0, stage="queued")
    return Replay.objects.get(pk=replay.pk)


def test_a_delete_read_before_a_worker_claimed_the_job_is_refused_and_the_job_finishes(
    replay, client, users
):
    seen = queued_again(replay)  # what the delete request read: queued, so deletable
    worker = Replay.objects.get(pk=replay.pk)
    assert worker.mark_running()  # a worker claims the job now
    with pytest.raises(ReplayDeleteError, match="being processed right now"):
        replay_delete(replay=seen)
    assert Replay.objects.filter(pk=replay.pk).exists() and replay.path.is_file()
    replay_run_claimed(worker)  # the worker goes on with the files still there
    replay.refresh_from_db()
    assert (replay.state, replay.failure_reason, replay.attempts) == ("done", "", 2)
    assert replay.frame_index_path.is_file() and replay.thumbnail_path.is_file()
    client.force_login(users["owner"])
    response = client.post(f"/replays/{replay.pk}/delete", follow=True)  # once the job ended
    assert response.status_code == 200 and not Replay.objects.filter(pk=replay.pk).exists()
    assert not replay.folder.exists()


def test_a_worker_that_read_the_job_before_the_delete_does_not_start_it(replay, media_root):
    worker = queued_again(replay)  # the worker read the row: queued
    replay_delete(replay=Replay.objects.get(pk=replay.pk))  # the person deletes it
    assert not worker.mark_running()  # the claim finds no row: nothing runs, nothing raises
    replay_process(replay_id=replay.pk)  # a late delivery of the same task
    assert not Replay.objects.filter(pk=replay.pk).exists()
    assert not replay.folder.exists() and not (media_root / "clips" / str(replay.pk)).exists()


def test_two_workers_handed_the_same_job_run_it_once(replay):
    """The same task delivered twice (swept as an orphan, then django-q2's own retry)."""
    first = queued_again(replay)
    second = Replay.objects.get(pk=replay.pk)
    assert first.mark_running()
    assert not second.mark_running()
    replay.refresh_from_db()
    assert (replay.state, replay.attempts) == ("running", 2)


def test_deleting_a_replay_another_request_just_deleted_is_quiet(replay):
    first, second = Replay.objects.get(pk=replay.pk), Replay.objects.get(pk=replay.pk)
    replay_delete(replay=first)
    replay_delete(replay=second)
    assert not Replay.objects.filter(pk=replay.pk).exists()
