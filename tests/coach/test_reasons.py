"""``without_server_paths``: a reason shown to a team names the file it failed on, never where
the server keeps it; quoted paths with spaces, Windows paths and shares too."""

from __future__ import annotations

import errno
import os
import re

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


@pytest.mark.parametrize(
    "folder, name",
    [
        ('/srv/it\'s "here"', "a b.mp4"),  # both quote kinds in a folder
        ('/srv/say "hi"/it\'s', "x.mp4"),
        ("/srv/m", 'it\'s "q".mp4'),  # and in the file's own name
        (r"C:\it's " + '"q"', "a b.mp4"),  # a Windows path (repr doubles the backslashes)
    ],
)
def test_a_path_holding_both_quote_kinds_is_hidden_whole(folder, name):
    """``repr`` (an OSError's text) quotes such a path with ' and escapes its own ': the folders
    went only up to the first quote, the rest of the server's path was shown."""
    sep = "\\" if folder.startswith("C:") else "/"
    path = f"{folder}{sep}{name}"
    text = str(FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path))
    assert "\\'" in text and '"' in text  # quoted as repr writes it
    shown = without_server_paths(text)
    assert shown == f"[Errno 2] {os.strerror(errno.ENOENT)}: {name!r}"
    assert not {"srv", "it's \"here", "say", "C:"} & set(re.split(r"[/\\]", shown))


@pytest.mark.parametrize(
    "stored, shown",
    [
        # Not quoted (as a decoder names its file): a quote the path goes on after is in it.
        ("""/srv/it's "q"/a.mp4: No such file or directory""", "a.mp4: No such file or directory"),
        ("""cannot open /srv/say "hi"/it's x.mp4 now""", "cannot open it's x.mp4 now"),
        # A quote before a space, a colon, a comma or the end still closes what it quotes.
        ("""'/srv/it's "q"/a.mp4', then "/srv/b/c d.mp4": gone""",
         """'a.mp4', then "c d.mp4": gone"""),
        ("in 'see /srv/x/y.mp4' and \"/z/w.mp4\"", "in 'see y.mp4' and \"w.mp4\""),
        # An agent's folder is still "the agent file".
        ("""'/srv/media/agents/it\\'s "7"' is not a zip""", "'the agent file' is not a zip"),
    ],
)  # fmt: skip
def test_quotes_inside_a_path_not_quoted_or_quoted_by_hand(stored, shown):
    assert without_server_paths(stored) == shown


def test_a_long_run_of_separators_is_quick():
    """Bad input (2000 characters of separators, an unclosed quote) answers at once."""
    import time

    for text in (
        "'C:" + "\\" * 2000,
        "'/a" + "/" * 2000,
        "C:\\a" + " a\\" * 600,
        "'" * 2000,
        "'/a" + "\\'/a" * 700,  # escaped quotes, never closed
        "'C:" + "\\'" * 1000,
        "/a" + " a'\"/" * 400,  # quotes inside words of a path not quoted
        "/a/'" + "\"'" * 1000,
    ):
        began = time.perf_counter()
        without_server_paths(text)
        assert time.perf_counter() - began < 0.5
