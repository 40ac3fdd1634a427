"""A probe that fails again later (the stored copy damaged, or unreadable for a while) keeps the
facts an earlier probe found, and says why it failed; it never zeroes them."""

from __future__ import annotations

import pytest

from replays.models import Replay
from replays.services import replay_process

FACTS = ("container", "codec", "width", "height", "fps", "frame_count", "duration_s", "start_s")


def facts(replay: Replay) -> dict:
    replay.refresh_from_db()
    return {name: getattr(replay, name) for name in FACTS} | {"size": replay.size_bytes}


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        # the first bytes only: the header is there, the index (moov) is not
        (lambda p: p.write_bytes(p.read_bytes()[:40]), "corrupt or truncated mp4 file"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + p.read_bytes()[8:]), "not a video file"),
    ],
    ids=["truncated", "overwritten"],
)
def test_a_damaged_copy_fails_with_its_reason_and_keeps_duration_and_codec(
    replay, client, users, damage, reason
):
    assert replay.state == "done" and replay.codec == "h264" and replay.duration_s > 1.9
    before = facts(replay)
    damage(replay.path)
    replay_process(replay_id=replay.pk)
    assert facts(replay) == before
    assert replay.state == "failed" and replay.failure_reason.startswith(reason)
    assert "the stored copy has changed" in replay.failure_reason
    # The bytes were read fine before: they are not what was sent, so a restored copy can be
    # processed again (not ``unusable``, which would offer no Process again).
    assert not replay.unusable
    page = client_page(client, users, replay)
    assert "h264" in page and "60 at 30.00 fps" in page and "Process again" in page


def test_an_unreadable_file_keeps_the_facts_and_a_retry_once_it_is_back(replay, client, users):
    before = facts(replay)
    away = replay.path.with_name("away")
    replay.path.rename(away)
    replay_process(replay_id=replay.pk)
    assert facts(replay) == before
    assert replay.failure_reason == "cannot read the file (No such file or directory)"
    away.rename(replay.path)
    replay_process(replay_id=replay.pk)
    assert facts(replay) == before and replay.state == "done"


def test_a_file_never_read_fine_keeps_what_its_failed_probe_learned(users, sync_jobs, tmp_path):
    import subprocess

    from tests.conftest import ingest_replay
    from tests.media import FFMPEG

    mjpeg = tmp_path / "old-capture.mkv"
    source = "testsrc2=size=160x120:rate=10:duration=1"
    subprocess.run(
        [FFMPEG, "-loglevel", "error", "-f", "lavfi", "-i", source, "-c:v", "mjpeg", str(mjpeg)],
        check=True,
    )
    replay = ingest_replay(mjpeg, team=users["team"], uploader=users["owner"])
    assert (replay.state, replay.unusable, replay.frame_count) == ("failed", True, 0)
    assert replay.failure_reason == "the video codec mjpeg is not supported"
    assert (replay.container, replay.codec, replay.width, replay.height) == (
        "mkv",
        "mjpeg",
        160,
        120,
    )


def test_the_probe_does_not_undo_a_rename_saved_while_it_ran(replay, monkeypatch):
    """The probe step saved the whole row as the job had read it: a title or tag a person saved
    while the job probed was written back to the old one."""
    from replays import services

    real_probe = services.sandbox.probe

    def probe_while_renamed(*args, **kwargs):
        result = real_probe(*args, **kwargs)  # the real probe, then a person's edit lands
        Replay.objects.filter(pk=replay.pk).update(title="Final, map 3", map="Dust")
        return result

    monkeypatch.setattr(services.sandbox, "probe", probe_while_renamed)
    replay_process(replay_id=replay.pk)
    replay.refresh_from_db()
    assert (replay.state, replay.title, replay.map) == ("done", "Final, map 3", "Dust")


def client_page(client, users, replay) -> str:
    client.force_login(users["owner"])
    response = client.get(replay.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()
