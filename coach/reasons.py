"""What a user reads of a stored failure reason: the reason without the server's paths.

A job's or a game's reason often quotes an OS error or a decoder, which name the file they
failed on by its absolute path on the server (``<media>/replays/25/<hash>/frames.npy``). Where
the server keeps its media is no business of the team's, and a page has no use for it: the
file's name says which file it was. The stored reason and the log keep the whole text, for staff.
Shared by the apps (replays, tournaments); it imports neither.
"""

from __future__ import annotations

import re

# An absolute path of two parts or more, not inside a word, a URL or a relative path ("a/b").
_SERVER_PATH = re.compile(r"(?<![\w.~/\\-])(?:/[^\s'\"/:,;]+){2,}/?")


def without_server_paths(text: str) -> str:
    """``text`` with each absolute path replaced by its file name, and an agent's own stored
    file or folder (``<media>/agents/<id>``) by "the agent file": an agent that cannot be
    opened says where the server keeps media, which is no business of the team's."""

    def shown(found: re.Match[str]) -> str:
        parts = found[0].rstrip("/").split("/")
        return "the agent file" if parts[-2] == "agents" else parts[-1]

    return _SERVER_PATH.sub(shown, text or "")
