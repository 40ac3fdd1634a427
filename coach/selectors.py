"""Reads for the coaching pages that are more than a filter."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from coach.models import Note


def mentions_for(user, limit: int = 20) -> QuerySet[Note]:
    """Notes and replies that @mention the user, and others' replies to the user's notes,
    newest first, on replays they can still see.

    Args:
        user: The person whose dashboard this is.
        limit: How many to return at most.

    Returns:
        Notes with their replay, author and thread root loaded.
    """
    return (
        Note.objects.visible_to(user)
        .filter(Q(mentions=user) | Q(parent__author=user) & ~Q(author=user))
        .distinct()
        .select_related("replay", "author", "parent")
        .order_by("-created_at", "-id")[:limit]
    )
