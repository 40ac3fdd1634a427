"""Two django-q2 clusters in separate processes, one PostgreSQL, one Redis: 20 replays at once are
each processed exactly once (one task, one set of events and clips), by one of the two, none lost.
"""

from __future__ import annotations

import json
import subprocess
import time

import psutil
import pytest
import redis

from detectors.synth import make_match
from tests.media import FFMPEG

from .conftest import wait_for_line

pytestmark = [pytest.mark.slow, pytest.mark.scaleout]

REPLAYS = 20

ENQUEUE = """
import json, os
from pathlib import Path
from django.contrib.auth.models import User
from coach.models import Membership, Team
from replays.models import GameProfile
from replays.profiles.services import profile_save_version
from replays.services import replay_ingest_file

spec_path = Path(os.environ["SYNTH_PROFILE"])
spec = json.loads(spec_path.read_text())
refs = {ind["reference"] for inds in spec["events"].values() for ind in inds}
team = Team.objects.create(name="Owls")
user = User.objects.create_user("owner")
Membership.objects.create(team=team, user=user, role=Membership.PLAYER)
profile = GameProfile.objects.create(team=team, name="feed")
profile_save_version(profile=profile, spec=spec, files={n: (spec_path.parent / n).read_bytes()
                                                       for n in refs})
ids = []
for path in sorted(Path(os.environ["SYNTH_VIDEOS"]).glob("*.mp4")):
    replay, _ = replay_ingest_file(team=team, uploader=user, source=path,
                                   original_name=path.name, move=False, profile=profile)
    ids.append(replay.pk)
print(json.dumps(ids))
"""

REPORT = """
import json
from django_q.models import Task
from replays.models import Clip, Replay

print(json.dumps({
    r.pk: {
        "state": r.state,
        "attempts": r.attempts,
        "events": sorted([e.kind, e.frame] for e in r.events.all()),
        "clips": Clip.objects.filter(event__replay=r).count(),
        "tasks": [[t.success, t.result, t.attempt_count]
                  for t in Task.objects.filter(name=f"replay-{r.pk}")],
    }
    for r in Replay.objects.all()
}))
"""


def distinct_copies(video, folder, n):
    """``n`` files with the same frames and different bytes (a comment tag), so SHA-256 dedup
    keeps them apart as ``n`` replays."""
    folder.mkdir()
    for i in range(n):
        subprocess.run(
            [FFMPEG, "-loglevel", "error", "-i", str(video), "-c", "copy",
             "-metadata", f"comment=replay {i}", str(folder / f"replay{i:02d}.mp4")],
            check=True,
        )  # fmt: skip


def test_two_clusters_process_twenty_replays_each_exactly_once(nodes, tmp_path):
    match = make_match(
        tmp_path / "synth", duration_s=4, size=(640, 360), kills=(1.0,), deaths=(2.5,),
        allies=(), name="feed",
    )  # fmt: skip
    distinct_copies(match.video, tmp_path / "videos", REPLAYS)

    clusters = [nodes.spawn(f"cluster{i}", "manage.py", "qcluster") for i in (1, 2)]
    for proc, log in clusters:
        wait_for_line(log, "running.", proc)
    # The worker processes of each cluster, to tell afterwards which cluster ran a task.
    workers = {
        proc.pid: {c.pid for c in psutil.Process(proc.pid).children(recursive=True)}
        for proc, _ in clusters
    }

    env = {"SYNTH_PROFILE": str(match.profile), "SYNTH_VIDEOS": str(tmp_path / "videos")}
    ids = json.loads(nodes.manage("shell", "-c", ENQUEUE, env=env).strip().splitlines()[-1])
    assert len(set(ids)) == REPLAYS

    deadline = time.monotonic() + 240
    while True:
        report = json.loads(nodes.manage("shell", "-c", REPORT).strip().splitlines()[-1])
        finished = [r for r in report.values() if r["state"] in ("done", "failed") and r["tasks"]]
        if len(finished) == REPLAYS or time.monotonic() > deadline:
            break
        time.sleep(2)
    for proc, log in clusters:
        assert proc.poll() is None, log.read_text()[-3000:]

    assert sorted(int(k) for k in report) == sorted(ids)  # none lost, none made up
    ran_on: dict[int, int] = {}
    for replay_id, r in report.items():
        assert (r["state"], r["attempts"]) == ("done", 1), (replay_id, r)  # run once, not twice
        assert len(r["events"]) == 2 and r["clips"] == 2, (replay_id, r)  # one set, not two
        assert [kind for kind, _ in r["events"]] == ["death", "kill"], (replay_id, r)
        assert len(r["tasks"]) == 1 and r["tasks"][0][0] is True, (replay_id, r["tasks"])
        assert r["tasks"][0][2] == 1, (replay_id, r["tasks"])
        pid = int(r["tasks"][0][1].rsplit(":", 1)[1])
        owners = [cluster for cluster, pids in workers.items() if pid in pids]
        assert len(owners) == 1, f"replay {replay_id} ran in {pid}, not a known worker"
        ran_on[owners[0]] = ran_on.get(owners[0], 0) + 1
    assert sum(ran_on.values()) == REPLAYS
    assert len(ran_on) == 2, f"one cluster did all the work: {ran_on}"  # both took part
    queue = redis.Redis.from_url(nodes.env["REDIS_URL"])
    assert queue.llen("django_q:filmroom:q") == 0  # nothing left waiting
