"""Writes on playlists (``playlist_<action>``) and the one read that evaluates a playlist."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max

from coach.models import Team
from coach.params import plain_name
from replays.models import Event

from . import smart
from .models import Playlist, PlaylistItem, PlaylistReview


class PlaylistError(ValueError):
    """A playlist change that cannot be made; the message says why."""


def _clean_title(title: str) -> str:
    title = plain_name(title)
    if not title:
        raise PlaylistError("A playlist needs a title.")
    if len(title) > 200:
        raise PlaylistError("The title is longer than 200 characters.")
    return title


def _member(team: Team, user_id: int | None):
    if user_id is None:
        return None
    user = get_user_model().objects.filter(pk=user_id, memberships__team=team).first()
    if user is None:
        raise PlaylistError("Choose a member of the team, or the whole team.")
    return user


def playlist_create(
    *,
    team: Team,
    created_by,
    title: str,
    assignee_id: int | None = None,
    criteria: dict | None = None,
) -> Playlist:
    """Makes a playlist for a player (``assignee_id``) or the whole team.

    Args:
        team: The team whose replays it draws from.
        created_by: The coach making it.
        title: Its name.
        assignee_id: The player it is for; None for the whole team.
        criteria: A filter (form data) that makes it a smart playlist; None for a hand-built one.

    Raises:
        PlaylistError: The title is empty, the assignee is not in the team, or the filter is bad.
    """
    title = _clean_title(title)
    assignee = _member(team, assignee_id)
    clean = {}
    if criteria is not None:
        try:
            clean = smart.clean_criteria(criteria, team=team)
        except smart.CriteriaError as exc:
            raise PlaylistError(str(exc)) from None
    return Playlist.objects.create(
        team=team,
        created_by=created_by,
        title=title,
        assignee=assignee,
        smart=criteria is not None,
        criteria=clean,
    )


def playlist_update(
    *, playlist: Playlist, title: str, assignee_id: int | None, criteria: dict | None = None
) -> Playlist:
    """Renames, re-assigns and (for a smart playlist) changes the filter."""
    playlist.title = _clean_title(title)
    if assignee_id is None or assignee_id != playlist.assignee_id:
        playlist.assignee = _member(playlist.team, assignee_id)
    # (kept as it was: a player who has left the team stays its assignee until changed)
    if playlist.smart and criteria is not None:
        try:
            playlist.criteria = smart.clean_criteria(criteria, team=playlist.team)
        except smart.CriteriaError as exc:
            raise PlaylistError(str(exc)) from None
    playlist.save()
    return playlist


# A clip's note is at most this long, as a note pinned to a frame is (coach.notes).
MAX_NOTE = 5000


def _clip_note(note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise PlaylistError(f"A clip's note is at most {MAX_NOTE:,} characters ({len(note):,}).")
    return note


def playlist_add_events(*, playlist: Playlist, event_ids: list[int], note: str = "") -> int:
    """Appends clips (events of the team's replays) in the order given; returns how many.

    Events already in the playlist and events of other teams are skipped.

    Raises:
        PlaylistError: The playlist is a smart one, or the note is too long.
    """
    if playlist.smart:
        raise PlaylistError("A smart playlist picks its clips by its filter.")
    note = _clip_note(note)
    events = Event.objects.filter(pk__in=event_ids, replay__team=playlist.team).in_bulk()
    present = set(playlist.items.values_list("event_id", flat=True))
    with transaction.atomic():
        last = playlist.items.aggregate(m=Max("position"))["m"] or 0
        added = 0
        for event_id in dict.fromkeys(event_ids):
            if event_id in events and event_id not in present:
                added += 1
                PlaylistItem.objects.create(
                    playlist=playlist,
                    event=events[event_id],
                    position=last + added,
                    note=note,
                )
        playlist.save(update_fields=["updated_at"])
    return added


def playlist_item_note(*, item: PlaylistItem, note: str) -> None:
    """Saves a clip's note.

    Raises:
        PlaylistError: The note is too long.
    """
    item.note = _clip_note(note)
    item.save(update_fields=["note"])


def playlist_item_move(*, item: PlaylistItem, offset: int) -> None:
    """Moves an item up (-1) or down (+1) by swapping it with its neighbour."""
    items = list(item.playlist.items.all())
    index = next(n for n, it in enumerate(items) if it.pk == item.pk)
    other = index + offset
    if not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    _renumber(items)


def playlist_item_remove(*, item: PlaylistItem) -> None:
    playlist = item.playlist
    with transaction.atomic():
        item.delete()
        _renumber(list(playlist.items.all()))


def _renumber(items: list[PlaylistItem]) -> None:
    with transaction.atomic():
        for position, it in enumerate(items, 1):
            if it.position != position:
                it.position = position
                it.save(update_fields=["position"])


def playlist_mark_reviewed(*, playlist: Playlist, event_id: int, user, reviewed: bool) -> bool:
    """Marks (or unmarks) one clip of the playlist reviewed by ``user``.

    Raises:
        PlaylistError: The event is not one of the playlist's clips.
    """
    if not any(entry.event.pk == event_id for entry in playlist_entries(playlist, user=None)):
        raise PlaylistError("That clip is not in this playlist (any more).")
    if reviewed:
        PlaylistReview.objects.get_or_create(playlist=playlist, event_id=event_id, user=user)
    else:
        PlaylistReview.objects.filter(playlist=playlist, event_id=event_id, user=user).delete()
    return reviewed


@dataclass
class Entry:
    """One clip to play: the event, the coach's note, and whether the viewer reviewed it."""

    event: Event
    note: str
    item: PlaylistItem | None
    reviewed: bool = False


def playlist_entries(playlist: Playlist, *, user) -> list[Entry]:
    """The clips of a playlist in order (a smart one evaluated now), with ``user``'s marks."""
    if playlist.smart:
        entries = [
            Entry(event=e, note="", item=None)
            for e in smart.matching_events(playlist.team, playlist.criteria)
        ]
    else:
        items = playlist.items.select_related("event__replay", "event__clip")
        entries = [Entry(event=it.event, note=it.note, item=it) for it in items]
    if user is not None:
        done = set(
            PlaylistReview.objects.filter(playlist=playlist, user=user).values_list(
                "event_id", flat=True
            )
        )
        for entry in entries:
            entry.reviewed = entry.event.pk in done
    return entries


def playlist_progress(playlist: Playlist, entries: list[Entry]) -> list[dict]:
    """How far each person it is for got, for its coaches: the assignee, or each player of the
    team: ``[{"user", "reviewed", "total"}]`` over the clips it holds now."""
    from coach.models import Membership

    if playlist.assignee_id:
        people = [playlist.assignee]
    else:
        members = playlist.team.memberships.filter(role=Membership.PLAYER).select_related("user")
        people = sorted((m.user for m in members), key=lambda u: u.get_username().lower())
    events = {e.event.pk for e in entries}
    done: dict[int, int] = {}
    marks = PlaylistReview.objects.filter(playlist=playlist, event_id__in=events)
    for user_id in marks.values_list("user_id", flat=True):
        done[user_id] = done.get(user_id, 0) + 1
    return [{"user": u, "reviewed": done.get(u.pk, 0), "total": len(events)} for u in people]


def playlists_for_dashboard(user) -> list[dict]:
    """The playlists assigned to the user (or their whole team) with how far they got."""
    rows = []
    for playlist in Playlist.objects.assigned_to(user).select_related("team", "assignee")[:20]:
        entries = playlist_entries(playlist, user=user)
        rows.append(
            {
                "playlist": playlist,
                "total": len(entries),
                "reviewed": sum(e.reviewed for e in entries),
            }
        )
    return rows
