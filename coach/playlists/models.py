"""Playlists: ordered clips with a note each, or a saved filter evaluated when viewed.

Imported by ``coach.models`` so the models belong to the ``coach`` app. Events are referred to by
name ("replays.Event"): ``replays`` imports ``coach``, never the other way round at import time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from coach.models import Team, TeamOwnedQuerySet


class PlaylistQuerySet(TeamOwnedQuerySet):
    def assigned_to(self, user) -> PlaylistQuerySet:
        """Playlists of the user's teams made for them or for the whole team."""
        mine = self.filter(team__memberships__user=user).distinct()
        return mine.filter(models.Q(assignee=user) | models.Q(assignee__isnull=True))


class Playlist(models.Model):
    """Clips for a player (``assignee``) or the whole team (no assignee).

    A *smart* playlist has no items: ``criteria`` (a saved filter, see ``coach.playlists.smart``)
    picks its clips each time it is viewed.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="playlists")
    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_playlists",
        help_text="Empty: the whole team.",
    )
    smart = models.BooleanField(default=False)
    criteria = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlaylistQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("playlists:play", args=[self.pk])

    @property
    def audience(self) -> str:
        return self.assignee.get_username() if self.assignee_id else "whole team"

    def editable_by(self, user) -> bool:
        """The team's coach (or staff) builds, edits and deletes playlists."""
        return self.team.is_coached_by(user)

    may_be_deleted_by = editable_by


class PlaylistItem(models.Model):
    """One clip (an event of one of the team's replays) at a place in a playlist, with a note."""

    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items")
    event = models.ForeignKey("replays.Event", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["playlist", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["playlist", "event"], name="event_once_per_playlist")
        ]

    def __str__(self) -> str:
        return f"{self.playlist} #{self.position}"


class PlaylistReview(models.Model):
    """A user marked one clip of a playlist reviewed (kept per event, so smart ones work too)."""

    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="reviews")
    event = models.ForeignKey("replays.Event", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reviewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["playlist", "event", "user"], name="one_review_per_user"
            )
        ]
