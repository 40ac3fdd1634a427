"""Writes on notes: create, reply, edit, delete, resolve. Each checks its input and its user.

Views call these with the replay or note already looked up through ``visible_to`` (another
team's object is a 404 before it gets here); these decide who may change what.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction

from coach.models import Note
from replays.models import Replay

from .shapes import ShapeError, validate_shapes

MAX_TEXT = 5000
_MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")
_TAG = re.compile(r"(?<![\w&#])#([\w-]{1,40})")


class NoteError(ValueError):
    """A note that cannot be written; ``status`` is the HTTP status the view answers with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def parse_tags(text: str, extra: object = None) -> str:
    """The note's tags, space-wrapped: ``#tags`` in its text plus a list (or comma string)."""
    tags = [t.lower() for t in _TAG.findall(text)]
    if isinstance(extra, str):
        extra = extra.split(",")
    if extra is not None:
        if not isinstance(extra, list) or not all(isinstance(t, str) for t in extra):
            raise NoteError("tags must be a list of words")
        for tag in extra:
            tag = tag.strip().lstrip("#").lower()
            if tag and not re.fullmatch(r"[\w-]{1,40}", tag):
                raise NoteError(
                    f"the tag {tag!r} has characters other than letters, digits, - and _"
                )
            if tag:
                tags.append(tag)
    unique = list(dict.fromkeys(tags))
    joined = f" {' '.join(unique)} " if unique else ""
    room = Note._meta.get_field("tags").max_length
    if len(joined) > room:  # refused here: the model's own check would be a 500
        raise NoteError(
            f"too many tags: {len(unique)} take {len(joined)} characters, at most {room} in all"
        )
    return joined


def parse_mentions(text: str, replay: Replay) -> list:
    """Members of the replay's team named as ``@username`` in the text (others are ignored)."""
    names = {m.rstrip(".").lower() for m in _MENTION.findall(text)}
    if not names:
        return []
    users = get_user_model().objects.filter(memberships__team=replay.team).distinct()
    return [u for u in users if u.get_username().lower() in names]


def _clean_text(text: object, *, required: bool) -> str:
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise NoteError("text must be a string")
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise NoteError(f"a note holds at most {MAX_TEXT} characters, this one has {len(text)}")
    if required and not text:
        raise NoteError("write some text")
    return text


def _frames(replay: Replay, frame: object, frame_end: object) -> tuple[int, int]:
    if isinstance(frame, bool) or not isinstance(frame, int):
        raise NoteError("frame must be a whole number")
    if frame_end is None:
        frame_end = frame
    if isinstance(frame_end, bool) or not isinstance(frame_end, int):
        raise NoteError("frame_end must be a whole number")
    if reason := replay.no_frames_reason():
        raise NoteError(reason)
    last = replay.frame_count - 1
    if not 0 <= frame <= last or not 0 <= frame_end <= last:
        raise NoteError(f"frames must be between 0 and {last} (the replay has {last + 1} frames)")
    if frame_end < frame:
        raise NoteError("frame_end must not be before frame")
    return frame, frame_end


def _shapes(shapes: object) -> list[dict]:
    try:
        return validate_shapes(shapes)
    except ShapeError as exc:
        raise NoteError(f"bad shapes: {exc}") from exc


@transaction.atomic
def note_create(
    *,
    replay: Replay,
    author,
    frame: object,
    frame_end: object = None,
    text: object = "",
    shapes: object = None,
    tags: object = None,
) -> Note:
    """Pins a note (text and/or drawings) to a frame or frame range of a replay.

    Raises:
        NoteError: bad frames, text, tags or shapes (the message says which).
    """
    first, last = _frames(replay, frame, frame_end)
    clean = _clean_text(text, required=False)
    drawn = _shapes(shapes)
    if not clean and not drawn:
        raise NoteError("a note needs text or a drawing")
    note = Note(
        replay=replay,
        author=author,
        frame=first,
        frame_end=last,
        text=clean,
        shapes=drawn,
        tags=parse_tags(clean, tags),
    )
    note.full_clean()
    note.save()
    note.mentions.set(parse_mentions(clean, replay))
    return note


@transaction.atomic
def note_reply(*, parent: Note, author, text: object) -> Note:
    """Adds a reply to a note's thread (replies to a reply join the same thread)."""
    root = parent.parent or parent
    clean = _clean_text(text, required=True)
    reply = Note(
        replay=root.replay,
        author=author,
        parent=root,
        frame=root.frame,
        frame_end=root.frame_end,
        text=clean,
        tags=parse_tags(clean),
    )
    reply.full_clean()
    reply.save()
    reply.mentions.set(parse_mentions(clean, root.replay))
    return reply


def _require_editor(note: Note, user) -> None:
    if not note.can_edit(user):
        raise NoteError("only its author or the team's coach can change this note", status=403)


@transaction.atomic
def note_update(*, note: Note, user, changes: dict) -> Note:
    """Edits a note's text, tags, frames or drawings (author or the team's coach only).

    ``changes["updated_at"]`` (optional): the note's ``updated_at`` when the editor opened it; a
    note changed since then is not overwritten (two tabs editing one note: the later save would
    silently undo the earlier one).

    Raises:
        NoteError: 403 for anyone else; 400 for bad values or unknown fields; 409 for a note
            changed since ``updated_at``.
    """
    _require_editor(note, user)
    changes = dict(changes)
    seen = changes.pop("updated_at", None)  # the version the editor started from, if it says
    # (read again under a row lock, so two saves at once cannot both pass the check)
    now = Note.objects.select_for_update().filter(pk=note.pk).values_list("updated_at", flat=True)
    if seen is not None and seen != now.first().isoformat():
        raise NoteError(
            "this note was changed by someone else since you began editing it; nothing was "
            "saved. Your version is still in the box: copy what you need, then cancel and edit "
            "the note as it is now",
            409,
        )
    # Tags given apart from the text stay unless replaced; those from the old text go with it.
    from_text = set(parse_tags(note.text).split())
    kept_tags = [t for t in note.tag_list if t not in from_text]
    unknown = sorted(set(changes) - {"text", "tags", "frame", "frame_end", "shapes"})
    if unknown:
        raise NoteError(f"cannot change {', '.join(unknown)}")
    if note.parent_id and ({"frame", "frame_end", "shapes"} & set(changes)):
        raise NoteError("a reply has no frames or drawings of its own")
    if "frame" in changes or "frame_end" in changes:
        frame = changes.get("frame", note.frame)
        end = changes.get("frame_end", frame if "frame" in changes else note.frame_end)
        note.frame, note.frame_end = _frames(note.replay, frame, end)
    if "shapes" in changes:
        note.shapes = _shapes(changes["shapes"])
    if "text" in changes:
        note.text = _clean_text(changes["text"], required=bool(note.parent_id))
    if not note.text and not note.shapes:
        raise NoteError("a note needs text or a drawing")
    note.tags = parse_tags(note.text, changes.get("tags", kept_tags))
    note.full_clean()
    note.save()
    if not note.parent_id:  # the thread moves with its note
        note.replies.update(frame=note.frame, frame_end=note.frame_end)
    note.mentions.set(parse_mentions(note.text, note.replay))
    return note


@transaction.atomic
def note_delete(*, note: Note, user) -> None:
    """Deletes a note and its replies (author or the team's coach only)."""
    _require_editor(note, user)
    note.delete()


def note_set_resolved(*, note: Note, user, resolved: object) -> Note:
    """Marks a thread resolved or open again; any member of the team may (it is a status)."""
    if not isinstance(resolved, bool):
        raise NoteError("resolved must be true or false")
    root = note.parent or note
    root.resolved = resolved
    root.resolved_by = user if resolved else None
    root.save(update_fields=["resolved", "resolved_by"])  # a status, not an edit
    return root
