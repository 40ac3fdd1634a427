"""A run whose worker dies every time is handed out again a few times, then fails saying why:
before, each new worker took it and died, and its replacement took it again, for ever."""

from __future__ import annotations

import subprocess
import sys

import pytest

from detectors.synth import make_match
from replays.models import Replay
from replays.services import MAX_RESTARTS, replays_requeue_orphans
from tests.replays.test_detection_job import import_synth_profile


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process that has ended (a worker the kernel killed)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def worker_takes_it_and_dies(replay: Replay, pid: int) -> None:
    """A worker claims the queued job (the real claim), then is killed mid-job."""
    row = Replay.objects.get(pk=replay.pk)
    assert row.state == Replay.QUEUED and row.mark_running()
    Replay.objects.filter(pk=replay.pk).update(worker_pid=pid, stage="making the review proxy")


def test_a_run_whose_worker_dies_every_time_fails_after_a_few_restarts(
    replay, settings, dead_pid, client, users
):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}  # no worker: the job waits
    Replay.objects.filter(pk=replay.pk).update(state=Replay.QUEUED)
    for restart in range(1, MAX_RESTARTS + 1):
        worker_takes_it_and_dies(replay, dead_pid)
        assert replays_requeue_orphans() == 1  # the next worker's sweep hands it out again
        replay.refresh_from_db()
        assert (replay.state, replay.restarts) == ("queued", restart)
    worker_takes_it_and_dies(replay, dead_pid)
    assert replays_requeue_orphans() == 0  # this time it is not handed out again
    assert replays_requeue_orphans() == 0
    replay.refresh_from_db()
    assert (replay.state, replay.worker_pid, replay.stage) == ("failed", None, "")
    assert replay.failure_reason == (
        f"processing stopped {MAX_RESTARTS + 1} times without finishing: its worker was killed "
        "each time (out of memory?), so it is not started again by itself"
    )
    assert replay.attempts == 1 + MAX_RESTARTS + 1 and not replay.unusable
    # A person may still try once more (the limits raised, say): a new run, its own restarts.
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    client.force_login(users["owner"])
    page = client.get(replay.get_absolute_url()).content.decode()
    assert "its worker was killed each time" in page and "Process again" in page
    client.post(f"/replays/{replay.pk}/reprocess")
    replay.refresh_from_db()
    assert (replay.state, replay.restarts, replay.failure_reason) == ("done", 0, "")


def test_re_detect_from_the_profile_page_starts_a_new_run_with_its_own_restarts(
    replay, settings, dead_pid, client, users, tmp_path
):
    """The profile's Re-detect claims the run as *Process again* does (``replay_run_again``):
    before, it queued the replay with the failed run's restarts, so its worker dying once more
    failed it at once."""
    match = make_match(
        tmp_path, duration_s=1, fps=10, size=(320, 180), kills=(0.5,), deaths=(), allies=()
    )
    version = import_synth_profile(users["team"], match)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}  # no worker: the job waits
    Replay.objects.filter(pk=replay.pk).update(state=Replay.QUEUED, profile=version.profile)
    for _ in range(MAX_RESTARTS + 1):
        worker_takes_it_and_dies(replay, dead_pid)
        replays_requeue_orphans()
    replay.refresh_from_db()
    assert (replay.state, replay.restarts) == ("failed", MAX_RESTARTS)

    client.force_login(users["outsider"])
    assert client.post(f"/profiles/{version.profile_id}/redetect").status_code == 404
    replay.refresh_from_db()
    assert replay.state == "failed"
    client.force_login(users["owner"])
    response = client.post(f"/profiles/{version.profile_id}/redetect", follow=True)
    assert b"Re-detecting 1 replay." in response.content
    replay.refresh_from_db()
    assert (replay.state, replay.restarts, replay.failed_with) == ("queued", 0, None)
    worker_takes_it_and_dies(replay, dead_pid)
    assert replays_requeue_orphans() == 1  # a new run: handed out again, not failed
    replay.refresh_from_db()
    assert (replay.state, replay.restarts) == ("queued", 1)
    # Queued now: a second Re-detect (a double click, another tab) does not hand it out again.
    response = client.post(f"/profiles/{version.profile_id}/redetect", follow=True)
    assert b"Re-detecting 0 replays." in response.content


def test_a_worker_killed_once_still_gets_its_replay_finished(replay, dead_pid):
    Replay.objects.filter(pk=replay.pk).update(state=Replay.QUEUED)
    worker_takes_it_and_dies(replay, dead_pid)
    assert replays_requeue_orphans() == 1  # sync jobs: the new run is right here
    replay.refresh_from_db()
    assert (replay.state, replay.restarts, replay.failure_reason) == ("done", 1, "")
