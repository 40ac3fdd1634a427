"""What a user reads of a stored failure reason: the reason without the server's paths.

A job's or a game's reason often quotes an OS error or a decoder, which name the file they
failed on by its absolute path on the server (``<media>/replays/25/<hash>/frames.npy``). Where
the server keeps its media is no business of the team's, and a page has no use for it: the
file's name says which file it was. The stored reason and the log keep the whole text, for staff.
Shared by the apps (replays, tournaments); it imports neither.

What counts as a path:

- POSIX: ``/a/b`` (two parts or more: ``/s`` is none), not inside a word, a URL or a relative
  path (``a/b``).
- Windows: a drive's (``C:\\Users\\me\\clip.mp4``, ``C:/x``) and a share's
  (``\\\\server\\share\\x.mp4``), with single backslashes or doubled ones (as ``repr`` and so
  an ``OSError``'s text writes them).
- Quoted (``'…'`` or ``"…"``, as an ``OSError`` names its file): the whole text between the
  quotes when it is an absolute path, spaces and all. A path holding both quote kinds is quoted
  as ``repr`` writes it, ``'/srv/it\\'s "q"/a.mp4'``: a quote after a backslash is part of it.
- Not quoted, a path may have spaces too, but where it ends is a guess: "cannot open
  /srv/my videos/a b.mp4 twice" could be a file "a b.mp4" or "a". The rule: a path goes on
  past a space while the next word goes on with a separator (``videos/a``): a message's own
  words rarely do. So the folders, spaces and all, are hidden, and the words after the last
  separator stay as they are: "cannot open a b.mp4 twice", which reads right whichever it was.
  (The price: a word with a slash right after a path, "wrote /a/b p1/p2", is taken into it.)
  A quote is part of a path not quoted where the path goes on after it (``/srv/it's "q"/a.mp4``,
  as a decoder names its file); one before a space, a colon, a comma or the end closes a quote.
"""

from __future__ import annotations

import re

# Not after a word's character, a dot, a tilde, a separator or a dash: "a/b", "./x", "~/x",
# "https://x/y" and "x-/y" are no absolute paths.
_START = r"(?<![\w.~/\\-])"
# A part of a path not quoted: no space, separator, colon, comma or semicolon, and a quote only
# where the path goes on after it ("it's", '"q"/a.mp4'): a quote before a space, a colon, a comma
# or the end closes a quoted text the path is in.
_PART = r"(?:[^\s'\"/\\:,;]|['\"](?=[^\s'\":,;]))"
# One more word of a path not quoted, after a single space: it goes on with a separator.
_MORE_POSIX = rf"(?:\x20(?![/\\]){_PART}*(?:/{_PART}*)+)*"
_MORE_WINDOWS = rf"(?:\x20(?![/\\]){_PART}*[\\/]+(?:{_PART}+[\\/]+)*{_PART}*)*"


def _quoted(q: str) -> str:
    """An absolute path, spaces and all, as the whole text between two ``q`` quotes; a ``q``
    after a backslash is in it (``repr`` of a path holding both quote kinds), never an opening
    one."""
    part = rf"(?:[^{q}\n/\\]|\\{q})"
    return (
        rf"(?<![\w\\]){q}(?P<in{ord(q)}>"
        rf"/{part}+(?:/{part}+)+/?"  # POSIX, two parts or more
        rf"|[A-Za-z]:[\\/]+{part}+(?:[\\/]+{part}+)*[\\/]*"  # a drive's
        rf"|\\{{2,}}{part}+(?:\\+{part}+)+\\*"  # a share's
        rf"){q}(?!\w)"
    )


_SERVER_PATH = re.compile(
    rf"{_quoted(chr(39))}|{_quoted(chr(34))}"
    rf"|{_START}(?P<posix>(?:/{_PART}+)+/?{_MORE_POSIX})"
    rf"|{_START}(?P<windows>(?:[A-Za-z]:[\\/]+|\\{{2,}}){_PART}+(?:[\\/]+{_PART}+)*[\\/]*"
    rf"{_MORE_WINDOWS})"
)


def _name(path: str, quote: str = "") -> str:
    """What a page shows for ``path``: its file's name, or "the agent file" for an agent's. In a
    path between ``quote`` quotes a backslash before that quote escapes it, separating nothing."""
    separator = rf"(?:/|\\(?!{quote}))+" if quote else r"[\\/]+"
    parts = [p for p in re.split(separator, path) if p]
    if len(parts) >= 2 and parts[-2] == "agents":
        return "the agent file"
    return parts[-1]


def without_server_paths(text: str) -> str:
    """``text`` with each absolute path replaced by its file name, and an agent's own stored
    file or folder (``<media>/agents/<id>``) by "the agent file": an agent that cannot be
    opened says where the server keeps media, which is no business of the team's. (What counts
    as a path, and where one not quoted ends: the module's notes.)"""

    def shown(found: re.Match[str]) -> str:
        for quote in "'\"":
            if (inside := found[f"in{ord(quote)}"]) is not None:
                return f"{quote}{_name(inside, quote)}{quote}"
        if (posix := found["posix"]) is not None and len(re.findall(r"/[^/]", posix)) < 2:
            return posix  # one part ("/s", "/film room"): nothing of the server's layout
        return _name(found[0])

    return _SERVER_PATH.sub(shown, text or "")
