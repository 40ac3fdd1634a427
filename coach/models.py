"""Teams and their members: every replay, profile and agent belongs to a team."""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify

from coach.params import plain_name


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


def team_name_clean(value: str) -> str:
    """A team's name as shown: no control or bidirectional-control characters, one space
    between words, at most 100 characters."""
    return " ".join(plain_name(value).split())[:100]


# In the key only (the name shown keeps them): the variation selectors (U+FE00-F, U+E0100-EF) and
# the combining grapheme joiner. They change how the character beside them is drawn, at most:
# "❤ Fans" and "❤️ Fans" (U+FE0F) read the same.
_KEY_DROPPED = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef\u034f]")
# The zero width joiner and non-joiner (U+200D/C) too, where they join or part symbols (beside a
# symbol, a skin tone or a selector: an emoji sequence, whose parts say what it shows, joined or
# not). Between letters and marks they stay in the key: in a Persian or Indic word they change
# the word as drawn ("می‌خواهم" and "میخواهم" look different), so they make another name.
_JOINERS = "\u200c\u200d"


def _symbol_side(char: str) -> bool:
    return unicodedata.category(char)[0] == "S" or bool(_KEY_DROPPED.match(char))


def _without_emoji_joiners(text: str) -> str:
    """``text`` without the joiners next to a symbol or selector (or at an end of it)."""
    return "".join(
        char
        for i, char in enumerate(text)
        if char not in _JOINERS
        or (
            0 < i < len(text) - 1
            and not _symbol_side(text[i - 1])
            and not _symbol_side(text[i + 1])
        )
    )


def team_name_key(value: str) -> str:
    """What two team names must not share: the name without the characters that only change how
    another is drawn (``_KEY_DROPPED``, and the joiners of an emoji sequence), after Unicode
    compatibility folding (NFKC: a full-width "Ｏｗｌｓ" is "Owls"), case folding and with one
    space between words."""
    text = _KEY_DROPPED.sub("", _without_emoji_joiners(team_name_clean(value)))
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def team_name_taken(value: str, *, exclude_pk: int | None = None) -> Team | None:
    """The other team whose name reads as ``value`` does, if there is one."""
    return Team.objects.filter(name_key=team_name_key(value)).exclude(pk=exclude_pk).first()


def team_name_free(wanted: str) -> str:
    """``wanted`` if no team's name reads the same, else ``wanted (2)``, ``wanted (3)``…"""
    wanted = team_name_clean(wanted)
    for n in range(1, 1000):
        suffix = "" if n == 1 else f" ({n})"
        name = wanted[: 100 - len(suffix)] + suffix
        if team_name_taken(name) is None:
            return name
    raise RuntimeError(f"no free team name near {wanted!r}")


class Team(models.Model):
    name = models.CharField(max_length=100)
    # ``team_name_key(name)``, unique: a team's name shows on public tournaments as their
    # organiser's, so a second team must not read the same (another case, spacing or width).
    name_key = models.CharField(max_length=400, unique=True, editable=False)
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

    def clean(self) -> None:
        self.name = team_name_clean(self.name)
        taken = team_name_taken(self.name, exclude_pk=self.pk)
        if taken is not None:
            raise ValidationError({"name": team_name_taken_message(taken)})

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:100]
        self.name_key = team_name_key(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key"}
        super().save(*args, **kwargs)

    def role_of(self, user) -> str | None:
        """The user's role in this team ("player" or "coach"), "staff", or None."""
        membership = self.memberships.filter(user=user).first()
        if membership:
            return membership.role
        return "staff" if user.is_staff else None

    def is_coached_by(self, user) -> bool:
        return user.is_staff or self.memberships.filter(user=user, role=Membership.COACH).exists()


def team_name_taken_message(taken: Team) -> str:
    return (
        f"there is a team called {taken.name!r} already (names differing only in case, "
        "spacing, character width or invisible characters count as the same): choose another name"
    )


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


class Invite(models.Model):
    """A link that lets whoever opens it join a team with a role (see ``coach.teams``).

    The token is the capability: anyone with the link may join, until it expires or a coach
    revokes it. Several people may join through one link (a coach sends one to the squad).
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=10, choices=Membership.ROLES, default=Membership.PLAYER)
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)
    joined = models.PositiveIntegerField(default=0, help_text="How many joined through it.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invite to {self.team} as {self.role}"

    @property
    def usable(self) -> bool:
        from django.utils import timezone

        return not self.revoked and self.expires_at > timezone.now()


class Removal(models.Model):
    """A coach removed ``user`` from ``team``: invite links made before then do not let them
    back in (a new link, made after, does)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    removed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} removed from {self.team}"


class DemoAccount(models.Model):
    """A user that ``manage.py demo`` created: the only accounts the demo may ever change."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="demo_account"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="demo_accounts")
    role = models.CharField(max_length=10, choices=Membership.ROLES)

    def __str__(self) -> str:
        return f"demo {self.role} {self.user}"


class NoteQuerySet(models.QuerySet):
    def visible_to(self, user) -> NoteQuerySet:
        """Notes on replays of the user's teams (all of them for staff)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(replay__team__memberships__user=user).distinct()


class Note(models.Model):
    """A note pinned to a frame (or a range of frames) of a replay, with drawings on it.

    ``shapes`` holds vector drawings in coordinates relative to the video picture (0..1), checked
    by ``coach.notes.shapes.validate_shapes``. A reply has a ``parent`` and shares its frames.
    """

    replay = models.ForeignKey("replays.Replay", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="notes"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    frame = models.PositiveIntegerField()
    frame_end = models.PositiveIntegerField(help_text="Last frame it is shown on (inclusive).")
    text = models.TextField(max_length=5000, blank=True)
    shapes = models.JSONField(default=list, blank=True)
    # Space-separated and space-wrapped (" push smoke "), so one tag is a substring filter.
    tags = models.CharField(max_length=500, blank=True)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in"
    )
    resolved = models.BooleanField(default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NoteQuerySet.as_manager()

    class Meta:
        ordering = ["replay", "frame", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(frame_end__gte=models.F("frame")), name="note_range_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"note @ frame {self.frame} of {self.replay_id}"

    @property
    def tag_list(self) -> list[str]:
        return self.tags.split()

    def shows_at(self, frame: int) -> bool:
        return self.frame <= frame <= self.frame_end

    def can_edit(self, user) -> bool:
        """Its author edits or deletes it; so does the team's coach (and staff)."""
        if self.author_id is not None and self.author_id == user.pk:
            return True
        return self.replay.team.is_coached_by(user)


# Live co-review ---------------------------------------------------------------------------------


class LiveSession(models.Model):
    """A coach leads a replay's review live; teammates who join follow the coach's playhead."""

    replay = models.ForeignKey(
        "replays.Replay", on_delete=models.CASCADE, related_name="live_sessions"
    )
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["replay"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_live_session_per_replay",
            )
        ]

    def __str__(self) -> str:
        return f"live review of {self.replay_id} led by {self.leader}"

    def end(self) -> None:
        from django.utils import timezone

        self.ended_at = timezone.now()
        self.save(update_fields=["ended_at"])


class LiveSessionMember(models.Model):
    """One open socket in a live session (a person with two tabs is in it twice)."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} in {self.session}"


# Playlists live in their own module; importing them here makes them models of this app.
from coach.playlists.models import Playlist, PlaylistItem, PlaylistReview  # noqa: E402, F401
