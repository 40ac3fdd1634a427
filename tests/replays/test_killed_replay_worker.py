"""A worker killed with SIGKILL mid-detection, in a real django-q2 cluster: the worker that
replaces it hands the replay out again, and it finishes with exactly one set of events and clips.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time

import pytest

from tests.livesite import Site

pytestmark = pytest.mark.slow

CREATE = """
import json
from pathlib import Path
from django.contrib.auth import get_user_model
from coach.models import Membership, Team
from detectors.synth import make_match
from replays.models import GameProfile
from replays.profiles.services import profile_save_version
from replays.services import replay_ingest_file

m = make_match(Path({folder!r}), duration_s=60, fps=30, size=(480, 270), kills=(5.0, 20.0, 53.0),
               deaths=(12.0,), allies=(), name="feed")
team = Team.objects.create(name="Owls")
user = get_user_model().objects.create_user("owner", password="pw-owner-1")
Membership.objects.create(team=team, user=user, role=Membership.PLAYER)
spec = json.loads(m.profile.read_text())
refs = {{i["reference"] for inds in spec["events"].values() for i in inds}}
profile = GameProfile.objects.create(team=team, name="feed")
profile_save_version(profile=profile, spec=spec,
                     files={{n: (m.profile.parent / n).read_bytes() for n in refs}})
replay, _ = replay_ingest_file(team=team, uploader=user, source=m.video, original_name="f.mp4",
                               move=False, profile=profile)
print(replay.pk)
"""


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_detection_is_replaced_and_the_replay_finishes_once(tmp_path):
    site = Site(tmp_path / "var")
    site.manage("migrate", "--noinput", "-v", "0")
    site.start()
    try:
        replay_id = int(site.manage("shell", "-c", CREATE.format(folder=str(tmp_path))).split()[-1])
        db = sqlite3.connect(site.var / "filmroom.sqlite3", timeout=20)

        def row():
            return db.execute(
                "select state, stage, progress, worker_pid, attempts, failure_reason "
                "from replays_replay where id = ?",
                (replay_id,),
            ).fetchone()

        _, _, progress, pid, attempts, _ = _wait(
            lambda: (r := row()) and r[1] == "finding kills and deaths" and r,
            120,
            "detection to start",
        )
        assert attempts == 1 and progress < 80  # mid-detection (30..80 %)
        os.kill(pid, signal.SIGKILL)
        state, _, _, pid2, attempts, reason = _wait(
            lambda: (r := row()) and r[0] in ("done", "failed") and r, 120, "the retried replay"
        )
        assert (state, reason) == ("done", "")
        assert attempts == 2 and pid2 != pid
        events = db.execute(
            "select kind, frame from replays_event where replay_id = ? order by frame", (replay_id,)
        ).fetchall()
        assert [k for k, _ in events] == ["kill", "death", "kill", "kill"]
        assert len(set(events)) == len(events)
        clips = db.execute(
            "select thumbnail from replays_clip join replays_event e on e.id = event_id "
            "where e.replay_id = ?",
            (replay_id,),
        ).fetchall()
        assert len(clips) == len(events)
        folder = site.var / "media" / "clips" / str(replay_id)
        assert sorted(p.name for p in folder.glob("*.jpg")) == sorted(
            os.path.basename(f) for (f,) in clips
        )  # no duplicate and no half-written (.part) file
        assert not list(folder.glob("*.mp4"))  # clips are cut when first opened
        time.sleep(2)  # no late second run either
        assert row()[4] == 2
        db.close()
    finally:
        site.stop()
