"""Agents for the arena, the matches they play, and datasets recorded from people playing."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse

from coach.models import Team, TeamOwnedQuerySet


class Agent(models.Model):
    """A trained fighter: safetensors weights + a JSON config, stored under MEDIA_ROOT."""

    EVALUATING, READY, FAILED = "evaluating", "ready", "failed"
    STATES = [(EVALUATING, "Evaluating"), (READY, "Ready"), (FAILED, "Failed")]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="agents")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="agents"
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    architecture = models.CharField(max_length=50)
    obs_type = models.CharField(max_length=10)
    frame_skip = models.PositiveIntegerField()
    config = models.JSONField()
    folder = models.CharField(max_length=300, help_text="Media folder with the agent's files.")
    has_metrics = models.BooleanField(default=False)
    state = models.CharField(max_length=12, choices=STATES, default=EVALUATING)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="agent_name_per_team")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tournaments:agent", args=[self.pk])

    def may_be_deleted_by(self, user) -> bool:
        """Its owner, the team's coach, or staff."""
        return user.is_authenticated and (self.owner_id == user.pk or self.team.is_coached_by(user))

    @property
    def path(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.folder

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.csv"

    def record(self) -> dict[str, int]:
        """Wins, losses and draws over every match this agent played."""
        wins = losses = draws = 0
        for match in Match.objects.filter(models.Q(p1_agent=self) | models.Q(p2_agent=self)):
            side = "p1" if match.p1_agent_id == self.pk else "p2"
            if match.winner == "draw":
                draws += 1
            elif match.winner == side:
                wins += 1
            elif match.winner:
                losses += 1
        return {"wins": wins, "losses": losses, "draws": draws}


class Match(models.Model):
    """One match of the arena: fully described by (seed, characters, rules, action log)."""

    KINDS = [("evaluation", "Evaluation"), ("tournament", "Tournament"), ("play", "Human play")]
    p1_agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    p2_agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    p1_label = models.CharField(max_length=100, help_text="Who played p1 (agent, bot or person).")
    p2_label = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=KINDS, default="evaluation")
    seed = models.BigIntegerField()
    characters = models.JSONField()
    record = models.JSONField(help_text="MatchRecord.to_dict(): replays the match bit for bit.")
    winner = models.CharField(max_length=5, blank=True)
    ticks = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "matches"

    def __str__(self) -> str:
        return f"{self.p1_label} vs {self.p2_label} ({self.winner or 'unfinished'})"


class Dataset(models.Model):
    """Ticks recorded while a person played in the browser: observations, keys, K.O. flags."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="datasets")
    player = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    opponent = models.CharField(max_length=100)
    characters = models.JSONField()
    folder = models.CharField(max_length=300)
    ticks = models.PositiveIntegerField(default=0)
    winner = models.CharField(max_length=5, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.player} vs {self.opponent} ({self.ticks} ticks)"

    @property
    def path(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.folder
