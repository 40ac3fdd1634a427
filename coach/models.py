"""Teams and their members: every replay, profile and agent belongs to a team."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.text import slugify


class TeamQuerySet(models.QuerySet):
    def visible_to(self, user) -> TeamQuerySet:
        """Teams a user may see: their own, or all of them for staff."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(memberships__user=user).distinct()


class TeamOwnedQuerySet(models.QuerySet):
    """For rows that belong to a team (replays, agents, datasets)."""

    def visible_to(self, user) -> TeamOwnedQuerySet:
        """Rows of the user's teams (all of them for staff)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(team__memberships__user=user).distinct()


class Team(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Clip window around each event; the team's coach can change it.
    clip_before_s = models.FloatField(default=settings.FILMROOM_CLIP_BEFORE_S)
    clip_after_s = models.FloatField(default=settings.FILMROOM_CLIP_AFTER_S)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:100]
        super().save(*args, **kwargs)

    def role_of(self, user) -> str | None:
        """The user's role in this team ("player" or "coach"), "staff", or None."""
        membership = self.memberships.filter(user=user).first()
        if membership:
            return membership.role
        return "staff" if user.is_staff else None

    def is_coached_by(self, user) -> bool:
        return user.is_staff or self.memberships.filter(user=user, role=Membership.COACH).exists()


class Membership(models.Model):
    PLAYER = "player"
    COACH = "coach"
    ROLES = [(PLAYER, "Player"), (COACH, "Coach")]

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=ROLES, default=PLAYER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="one_role_per_team")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.team}"


# Playlists live in their own module; importing them here makes them models of this app.
from coach.playlists.models import Playlist, PlaylistItem, PlaylistReview  # noqa: E402, F401
