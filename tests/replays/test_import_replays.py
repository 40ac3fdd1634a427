"""`manage.py import_replays`: recursive, incremental by SHA-256, with a summary."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from replays.models import Replay
from tests.media import make_video


def run(*args) -> str:
    out = StringIO()
    call_command("import_replays", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "recordings"
    (root / "week1" / "day2").mkdir(parents=True)
    make_video(root / "a.mp4", seconds=1.0)
    make_video(root / "week1" / "b.mkv", seconds=1.0, fps=24)
    make_video(root / "week1" / "day2" / "c.webm", seconds=0.5)
    (root / "week1" / "notes.txt").write_text("scrim notes")
    (root / "broken.mp4").write_bytes(b"")  # named like a recording: a failed replay
    return root


def test_it_imports_recursively_and_skips_non_videos(folder, users, sync_jobs):
    out = run(str(folder), "--team", "owls")
    assert "Imported 4, already known 0, skipped 1 (not videos) into Owls." in out
    assert "week1/notes.txt (not a video)" in out
    assert sorted(Replay.objects.values_list("original_name", "state")) == [
        ("a.mp4", "done"),
        ("b.mkv", "done"),
        ("broken.mp4", "failed"),
        ("c.webm", "done"),
    ]
    assert Replay.objects.get(original_name="broken.mp4").failure_reason == "empty file (0 bytes)"
    assert (folder / "a.mp4").exists()  # imports copy, never move


def test_a_second_import_only_takes_what_is_new(folder, users, sync_jobs):
    run(str(folder), "--team", "Owls")
    (folder / "a.mp4").rename(folder / "renamed.mp4")  # same bytes, new name: still known
    make_video(folder / "d.mov", seconds=0.5)
    out = run(str(folder), "--team", "owls")
    assert "Imported 1, already known 4, skipped 1" in out
    assert Replay.objects.count() == 5


@pytest.mark.parametrize(
    "args,message",
    [
        (["--team", "nope"], "no team called 'nope'"),
        (["--team", "owls", "--profile", "halo"], "no game profile called 'halo'"),
        (["--team", "owls", "--uploader", "ghost"], "no user called 'ghost'"),
    ],
)
def test_it_explains_bad_arguments(folder, users, args, message):
    with pytest.raises(CommandError, match=message):
        run(str(folder), *args)


def test_it_refuses_a_missing_folder(users, tmp_path):
    with pytest.raises(CommandError, match="is not a folder"):
        run(str(tmp_path / "missing"), "--team", "owls")
