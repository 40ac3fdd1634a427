"""Reads of notes for the review page: threads with their replies, filtered, as JSON."""

from __future__ import annotations

from django.urls import reverse

from coach.models import Note
from replays.models import Replay


def note_dict(note: Note, user, *, is_coach: bool | None = None) -> dict:
    """One note (or reply) as the page's JSON; ``can_edit`` says whether the user may change it.

    Args:
        note: The note or reply.
        user: Who is looking.
        is_coach: Whether the user coaches the replay's team, when the caller knows already.
    """
    if is_coach is None:
        can_edit = note.can_edit(user)
    else:
        can_edit = is_coach or (note.author_id is not None and note.author_id == user.pk)
    data = {
        "id": note.pk,
        "frame": note.frame,
        "frame_end": note.frame_end,
        "text": note.text,
        "tags": note.tag_list,
        "author": note.author.get_username() if note.author else None,
        "mentions": sorted(u.get_username() for u in note.mentions.all()),
        "created_at": note.created_at.isoformat(),
        "updated_at": note.updated_at.isoformat(),
        "edited": (note.updated_at - note.created_at).total_seconds() > 1,
        "can_edit": can_edit,
    }
    if note.parent_id is None:
        data |= {
            "shapes": note.shapes,
            "resolved": note.resolved,
            "resolved_by": note.resolved_by.get_username() if note.resolved_by else None,
            "export_mp4": reverse("coach:note-export", args=[note.pk, "mp4"]),
            "export_png": reverse("coach:note-export", args=[note.pk, "png"]),
        }
    return data


def note_threads(
    replay: Replay,
    user,
    *,
    author: str = "",
    tag: str = "",
    unresolved: bool = False,
) -> dict:
    """The replay's notes in frame order, each with its replies, filtered.

    A thread matches the author or tag filter when its note or any reply does.

    Returns:
        ``{"notes": [...], "authors": [...], "tags": [...]}``; authors and tags list every value
        on the replay (for the filter menus), not only those left after filtering.
    """
    everything = list(
        Note.objects.filter(replay=replay)
        .select_related("author", "resolved_by", "replay__team")
        .prefetch_related("mentions")
        .order_by("frame", "created_at", "id")
    )
    replies: dict[int, list[Note]] = {}
    for note in everything:
        if note.parent_id:
            replies.setdefault(note.parent_id, []).append(note)
    tag = tag.strip().lstrip("#").lower()
    coach = replay.team.is_coached_by(user)
    threads = []
    for note in everything:
        if note.parent_id:
            continue
        thread = [note, *replies.get(note.pk, [])]
        if unresolved and note.resolved:
            continue
        if author and not any(n.author and n.author.get_username() == author for n in thread):
            continue
        if tag and not any(tag in n.tag_list for n in thread):
            continue
        threads.append(
            note_dict(note, user, is_coach=coach)
            | {"replies": [note_dict(r, user, is_coach=coach) for r in thread[1:]]}
        )
    return {
        "notes": threads,
        "authors": sorted({n.author.get_username() for n in everything if n.author}),
        "tags": sorted({t for n in everything for t in n.tag_list}),
    }
