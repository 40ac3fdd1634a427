"""A replay deleted while another team uploads the same bytes, in two processes on the real
database: the stored recording they share is removed only if no replay is left to use it.

A replay's bytes are stored once (``replays/<sha[:2]>/<sha256>/``) for every team that uploads them.
The delete pauses just before it removes that folder, the upload runs meanwhile, then the delete
goes on: the upload's replay must still have its bytes.
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from pathlib import Path

import pytest

from tests.livesite import Site

pytestmark = pytest.mark.slow

SETUP = """
from pathlib import Path
from django.contrib.auth import get_user_model
from coach.models import Membership, Team
from replays.services import replay_ingest_file

owls, rivals = Team.objects.create(name="Owls"), Team.objects.create(name="Rivals")
for name, team in (("owner", owls), ("outsider", rivals)):
    user = get_user_model().objects.create_user(name, password="pw-" + name + "-1")
    Membership.objects.create(team=team, user=user, role=Membership.PLAYER)
replay, _ = replay_ingest_file(team=owls, uploader=get_user_model().objects.get(username="owner"),
                               source=Path({video!r}), original_name="a.mp4", move=False,
                               enqueue=False)
print(replay.pk)
"""

# The delete, paused (until the test says go) as it is about to remove a stored recording.
DELETE = """
import time
from pathlib import Path
from coach import storage
from replays.models import Replay
from replays.services import replay_delete

real_remove_tree = storage.remove_tree
flags = Path({flags!r})

def remove_tree_when_told(folder):
    if "replays" in Path(folder).parts:
        (flags / "paused").touch()
        deadline = time.monotonic() + 60
        while not (flags / "go").exists():
            assert time.monotonic() < deadline, "never told to go on"
            time.sleep(0.01)
    real_remove_tree(folder)

storage.remove_tree = remove_tree_when_told
replay_delete(replay=Replay.objects.get(pk={pk}))
print("deleted")
"""

# Another team's upload of the same bytes, the way the upload page sends it (one chunk): its
# last chunk is sent once the delete has paused.
UPLOAD = """
import time
from pathlib import Path
from django.contrib.auth import get_user_model
from coach.models import Team
from replays.services import upload_append, upload_start

data = Path({video!r}).read_bytes()
upload = upload_start(team=Team.objects.get(name="Rivals"), filename="b.mp4", size_bytes=len(data),
                      uploader=get_user_model().objects.get(username="outsider"))
flags = Path({flags!r})
(flags / "ready").touch()
deadline = time.monotonic() + 120
while not (flags / "paused").exists():  # the other team's delete is removing these bytes now
    assert time.monotonic() < deadline, "the delete did not start"
    time.sleep(0.01)
(flags / "uploading").touch()
replay = upload_append(upload=upload, offset=0, chunks=[data])
print("uploaded", replay.pk, replay.file)
"""


def _python(site: Site, code: str) -> subprocess.Popen:
    return site.shell(code)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, f"no {path.name}"
        time.sleep(0.02)


def test_an_upload_of_the_same_bytes_while_a_delete_removes_them_keeps_its_copy(
    tmp_path, sample_mp4
):
    site = Site(tmp_path / "var")
    site.manage("migrate", "--noinput", "-v", "0")
    pk = int(site.manage("shell", "-c", SETUP.format(video=str(sample_mp4))).split()[-1])
    flags = tmp_path / "flags"
    flags.mkdir()
    uploader = _python(site, UPLOAD.format(flags=str(flags), video=str(sample_mp4)))
    _wait_for(flags / "ready", uploader)  # its upload started: the last chunk waits
    deleter = _python(site, DELETE.format(flags=str(flags), pk=pk))
    _wait_for(flags / "paused", deleter)
    _wait_for(flags / "uploading", uploader)
    try:
        uploader.wait(timeout=5)  # without the lock, it finishes while the delete is paused
    except subprocess.TimeoutExpired:
        pass  # it waits for the delete to finish: the order is then delete, upload
    (flags / "go").touch()
    deleted, uploaded = deleter.communicate(timeout=60)[0], uploader.communicate(timeout=60)[0]
    assert deleter.returncode == 0 and "deleted" in deleted, deleted
    assert uploader.returncode == 0 and "uploaded" in uploaded, uploaded
    stored = site.var / "media" / uploaded.split()[-1]
    assert stored.is_file(), "the upload's replay lost its bytes to the other team's delete"
    expected = hashlib.sha256(sample_mp4.read_bytes()).hexdigest()
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == expected
