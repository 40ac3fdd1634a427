"""A team deleted (by staff, in the admin) while a real django-q2 worker processes one of its
replays: the job stops at its next write without a crash, and none of the replay's files stay."""

from __future__ import annotations

import sqlite3
import time

import pytest

from coach.teams.services import team_delete
from replays.models import Replay
from replays.services import replay_run_claimed
from tests.livesite import Site
from tests.replays.test_killed_replay_worker import CREATE, _wait

# Staff deleting the team (what the admin's delete calls) as soon as detection is under way:
# started beforehand, so the delete lands mid-detection rather than after a process start.
DELETE_TEAM = """
import time
from coach.models import Team
from coach.teams.services import team_delete
from replays.models import Replay

print("ready", flush=True)
deadline = time.monotonic() + 120
while not Replay.objects.filter(stage="finding kills and deaths", progress__gte=40).exists():
    assert time.monotonic() < deadline, "detection did not start"
    time.sleep(0.02)
running = Replay.objects.get().state
team_delete(team=Team.objects.get(name="Owls"))
print("deleted while", running)
"""


@pytest.mark.slow
def test_a_team_deleted_mid_detection_stops_its_job_cleanly_and_leaves_no_files(tmp_path):
    site = Site(tmp_path / "var")
    site.manage("migrate", "--noinput", "-v", "0")
    site.start()
    deleter = site.shell(DELETE_TEAM)
    try:
        while (line := deleter.stdout.readline()) != "ready\n":  # Django loaded: it acts at once
            assert line, "the delete did not start"
        # Three minutes of recording: detection lasts long enough for the delete to land in it.
        create = CREATE.replace("duration_s=60", "duration_s=180").format(folder=str(tmp_path))
        replay_id = int(site.manage("shell", "-c", create).split()[-1])
        db = sqlite3.connect(site.var / "filmroom.sqlite3", timeout=20)
        (folder,) = db.execute(
            "select file from replays_replay where id = ?", (replay_id,)
        ).fetchone()
        stored = (site.var / "media" / folder).parent
        clips = site.var / "media" / "clips" / str(replay_id)
        assert stored.is_dir()
        out = deleter.communicate(timeout=180)[0]
        assert deleter.returncode == 0 and "deleted while running" in out, out
        name = f"replay-{replay_id}"
        (success,) = _wait(
            lambda: db.execute(
                "select success from django_q_task where name = ?", (name,)
            ).fetchone(),
            120,
            "the job to end",
        )
        time.sleep(1)  # nothing written after it ended either
        assert success == 1, "the job crashed: django-q2 recorded it as failed"
        assert not db.execute("select 1 from replays_replay").fetchone()
        assert not stored.exists() and not clips.exists()
        db.close()
    finally:
        if deleter.poll() is None:
            deleter.kill()
        site.stop()


def test_a_job_whose_team_was_deleted_stops_quietly(replay, users, media_root, caplog):
    """What the job logs (the live site's workers log where the test cannot read it): no
    traceback, no "failed", one line saying it stopped; and its replay's files are gone."""
    Replay.objects.filter(pk=replay.pk).update(state=Replay.QUEUED)
    worker = Replay.objects.get(pk=replay.pk)
    assert worker.mark_running()
    team_delete(team=users["team"])  # staff delete the team as the job starts
    assert not replay.folder.exists()
    replay_run_claimed(worker)  # it goes on, writes, finds its replay gone
    logged = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "replays.services"]
    assert logged == [
        ("INFO", f"replay {replay.pk} was deleted while it was processed: its job stopped")
    ]
    assert not replay.folder.exists() and not (media_root / "clips" / str(replay.pk)).exists()


def test_staff_deleting_a_team_in_the_admin_removes_its_replays_files_not_shared_ones(
    client, users, replay, sample_mp4, media_root, django_user_model
):
    from tests.conftest import ingest_replay

    theirs = ingest_replay(sample_mp4, team=users["other"], uploader=users["outsider"])
    clips = media_root / "clips" / str(replay.pk)
    clips.mkdir(parents=True)
    (clips / "kill-3-2-2.jpg").write_bytes(b"jpg")
    staff = django_user_model.objects.create_user("staff", password="pw-staff-1", is_staff=True)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    response = client.post(f"/admin/coach/team/{users['team'].pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Replay.objects.filter(pk=replay.pk).exists() and not clips.exists()
    assert theirs.path.read_bytes() == sample_mp4.read_bytes()  # the other team's stays
    team_delete(team=users["other"])
    assert not theirs.folder.exists()  # the last replay of those bytes: they go
