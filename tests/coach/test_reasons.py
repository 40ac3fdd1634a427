"""``without_server_paths``: a reason shown to a team names the file it failed on, never where
the server keeps it; quoted paths with spaces, Windows paths and shares too."""

from __future__ import annotations

import errno
import os

import pytest

from coach.reasons import without_server_paths


@pytest.mark.parametrize(
    "stored, shown",
    [
        # What it did before: an absolute path becomes its file's name, an agent's folder "the
        # agent file"; a file inside an agent's folder keeps its own name.
        ("cannot write /var/lib/filmroom/x.db", "cannot write x.db"),
        ("'/srv/media/agents/3f2a' is not a zip", "'the agent file' is not a zip"),
        ("/srv/media/agents/3f2a/ broke", "the agent file broke"),
        ("No such file: '/srv/media/agents/3f2a/w.pt'", "No such file: 'w.pt'"),
        # Quoted, spaces and all (as an OSError names its file).
        (
            "[Errno 2] No such file or directory: '/srv/film room/media/replays/a b.mp4'",
            "[Errno 2] No such file or directory: 'a b.mp4'",
        ),
        ("[Errno 2] No such file or directory: '/srv/x y/z.mp4'",
         "[Errno 2] No such file or directory: 'z.mp4'"),
        ("""cannot open "/srv/it's here/x y.mp4": bad header""",
         """cannot open "x y.mp4": bad header"""),
        ("[Errno 21] Is a directory: '/srv/m a/.f.tmp.npy' -> '/srv/m a/frames.npy'",
         "[Errno 21] Is a directory: '.f.tmp.npy' -> 'frames.npy'"),
        # Not quoted: the folders go, spaces and all; the words after the last separator stay.
        ("cannot open /srv/film room/media/replays/a b.mp4 twice", "cannot open a b.mp4 twice"),
        ("cannot open /film room/x.mp4 now", "cannot open x.mp4 now"),
        ("/srv/my media/agents/3f2a broke", "the agent file broke"),
        # Windows: a drive's, quoted (repr doubles the backslashes) or not, and a share's.
        (r"[Errno 2] No such file or directory: 'C:\\Users\\me\\My Videos\\clip 1.mp4'",
         "[Errno 2] No such file or directory: 'clip 1.mp4'"),
        (r"opening C:\Users\me\Videos\clip.mp4 failed", "opening clip.mp4 failed"),
        (r"opening C:\Users\me\My Videos\clip 1.mp4 failed", "opening clip 1.mp4 failed"),
        ("read D:/film room/clip.mp4", "read clip.mp4"),
        (r"\\server\share\x.mp4 is gone", "x.mp4 is gone"),
        (r"'\\\\server\\share\\x y.mp4' is gone", "'x y.mp4' is gone"),
        (r"D:\filmroom\media\agents\3f2a\ broke", "the agent file broke"),
        # Not paths: a rate, two sides, an address, relative paths, a quote that is none, a
        # lone part, a colon inside a word; text without any path comes back as it was.
        ("60 ticks/s, p1/p2, https://example.org/a/b, media/x, ./a/b, ~/a/b",
         "60 ticks/s, p1/p2, https://example.org/a/b, media/x, ./a/b, ~/a/b"),
        ("it's 'a/b' and 'x y' at 3 /s", "it's 'a/b' and 'x y' at 3 /s"),
        (r"abc:\x\y, 'C:' and C: drive", r"abc:\x\y, 'C:' and C: drive"),
        ("", ""),
    ],
)  # fmt: skip
def test_a_path_becomes_its_files_name(stored, shown):
    assert without_server_paths(stored) == shown


@pytest.mark.parametrize("folder", ["/tmp/film room/media replays", r"C:\film room\media"])
def test_an_os_errors_own_text_shows_the_file_only(folder):
    """The text Python itself writes for a missing file, spaces in the folder and the name."""
    path = os.path.join(folder, "a b.mp4") if folder.startswith("/") else rf"{folder}\a b.mp4"
    text = str(FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path))
    assert without_server_paths(text) == f"[Errno 2] {os.strerror(errno.ENOENT)}: 'a b.mp4'"


def test_a_long_run_of_separators_is_quick():
    """Bad input (2000 characters of separators, an unclosed quote) answers at once."""
    import time

    for text in ("'C:" + "\\" * 2000, "'/a" + "/" * 2000, "C:\\a" + " a\\" * 600, "'" * 2000):
        began = time.perf_counter()
        without_server_paths(text)
        assert time.perf_counter() - began < 0.5
