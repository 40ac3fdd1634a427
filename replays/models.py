"""Replays, the events found in them, their clips, game profiles and uploads in flight.

A replay is named by the SHA-256 of its bytes (the same bytes twice in one team are one replay);
its frames are addressed through the frame index built when it was probed (frame N is the N-th
presentation time, never fps × seconds).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from coach import storage
from coach.models import Team, TeamOwnedQuerySet
from coach.reasons import without_server_paths
from detectors import DETECTOR_VERSION
from detectors import Event as DetectedEvent


class GameProfileQuerySet(models.QuerySet):
    def visible_to(self, user) -> GameProfileQuerySet:
        """The user's teams' profiles and the built-in ones."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(Q(team__memberships__user=user) | Q(team__isnull=True)).distinct()

    def usable_by_team(self, team: Team) -> GameProfileQuerySet:
        return self.filter(Q(team=team) | Q(team__isnull=True))


class GameProfile(models.Model):
    """A named set of on-screen indicators for one game; edits create new versions."""

    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        related_name="profiles",
        null=True,
        blank=True,
        help_text="Empty for the profiles that ship with Film Room (every team may use them).",
    )
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GameProfileQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="profile_name_per_team")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def latest(self) -> ProfileVersion | None:
        return self.versions.order_by("-number").first()

    def editable_by(self, user) -> bool:
        """Whether ``user`` may edit the profile (save new versions): any member of its team
        (the brief keeps it simple), staff; a built-in profile (no team): staff only."""
        if user.is_staff:
            return True
        return self.team_id is not None and self.team.memberships.filter(user=user).exists()


class ProfileVersion(models.Model):
    """One immutable version of a profile: its JSON and its reference images, named by hash."""

    profile = models.ForeignKey(GameProfile, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    spec = models.JSONField(help_text="The profile JSON; references are relative to `folder`.")
    version_hash = models.CharField(max_length=64)
    folder = models.CharField(max_length=300, help_text="Media folder holding the references.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["profile", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "number"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.profile.name} v{self.number}"

    @property
    def path(self) -> Path:
        # Small and content-addressed: remote media is fetched whole on first use.
        return storage.fetch_tree(Path(settings.MEDIA_ROOT) / self.folder)


class StoredRecording(models.Model):
    """The stored bytes of every replay with this SHA-256 (``replays/<sha[:2]>/<sha>/``): one copy,
    shared by each team that uploaded them. Its row is only a lock (``replays.services``'s
    ``recording_lock``): a replay registering these bytes and a delete removing them, once no
    replay is left, take it in turn, so neither acts on what the other has just changed."""

    sha256 = models.CharField(max_length=64, primary_key=True)

    def __str__(self) -> str:
        return self.sha256


class Replay(models.Model):
    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATES = [(QUEUED, "Queued"), (RUNNING, "Running"), (DONE, "Done"), (FAILED, "Failed")]

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="replays")
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="replays"
    )
    title = models.CharField(max_length=200)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField()
    file = models.CharField(max_length=500, help_text="Path of the bytes under MEDIA_ROOT.")
    profile = models.ForeignKey(
        GameProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="replays"
    )
    # Tags a person sets (the list filters by them).
    map = models.CharField(max_length=100, blank=True)
    opponent = models.CharField(max_length=100, blank=True)
    game = models.CharField(max_length=100, blank=True)

    # What the probe found.
    container = models.CharField(max_length=10, blank=True)
    codec = models.CharField(max_length=20, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    fps = models.FloatField(default=0)
    frame_count = models.PositiveIntegerField(default=0)
    duration_s = models.FloatField(default=0)
    start_s = models.FloatField(
        default=0, help_text="When frame 0 is shown, in seconds from the file's start."
    )
    has_audio = models.BooleanField(default=False)

    # The background job's state, shown live on the replay page.
    state = models.CharField(max_length=10, choices=STATES, default=QUEUED)
    progress = models.FloatField(default=0)
    stage = models.CharField(max_length=100, blank=True)
    failure_reason = models.TextField(blank=True)
    warning = models.TextField(
        blank=True, help_text="What the job found wrong but worked around (a recording cut short)."
    )
    unusable = models.BooleanField(
        default=False,
        help_text="The file itself cannot be used (not a video, no frames): processing it again "
        "cannot help, so the page offers no Process again.",
    )
    attempts = models.PositiveIntegerField(default=0)
    # The process running the job: a running replay whose worker is gone (killed) is handed out
    # again by the next worker that starts (``replays_requeue_orphans``).
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    restarts = models.PositiveSmallIntegerField(
        default=0,
        help_text="Times this run was handed out again after its worker died; a run whose "
        "worker dies every time fails after a few (``replays_requeue_orphans``).",
    )

    # Which detection produced the events (empty until detection ran).
    detected_with = models.ForeignKey(
        ProfileVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detector_version = models.CharField(max_length=40, blank=True)
    detection_note = models.CharField(max_length=300, blank=True)
    # The profile version whose own error (a ``ProfileError``: a flat box, a missing reference)
    # failed the last run: detection with it fails the same way every time, so *Process again*
    # with it is refused until the profile has a newer version (or another profile is chosen).
    failed_with = models.ForeignKey(
        ProfileVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = TeamOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "sha256"], name="one_replay_per_bytes")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("replays:detail", args=[self.pk])

    @property
    def analysed(self) -> bool:
        """Whether detection ran (a replay that was never analysed has no kills or deaths)."""
        return self.detected_with_id is not None

    @property
    def game_label(self) -> str:
        """The game as tagged, else the profile it was detected with, else ''."""
        if self.game:
            return self.game
        if self.detected_with_id:
            return self.detected_with.profile.name
        return self.profile.name if self.profile_id else ""

    def may_be_deleted_by(self, user) -> bool:
        """Its uploader, the team's coach, or staff."""
        return user.is_authenticated and (
            self.uploader_id == user.pk or self.team.is_coached_by(user)
        )

    @property
    def profile_at_fault(self) -> ProfileVersion | None:
        """The profile version that failed the last run by its own error while it is still its
        profile's latest: running again with that profile would fail the same way. None when
        the failure was not the profile's (a decoder crash, a timeout) or the profile has a
        newer version since."""
        version = self.failed_with if self.state == self.FAILED else None
        if version is None:
            return None
        latest = version.profile.latest
        return version if latest is not None and latest.pk == version.pk else None

    def fails_again_with(self, profile: GameProfile | None) -> bool:
        """Whether a run with ``profile`` would only fail again (see ``profile_at_fault``)."""
        fault = self.profile_at_fault if profile is not None else None
        return fault is not None and fault.profile_id == profile.pk

    @property
    def path(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.file

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def thumbnail_path(self) -> Path:
        return self.folder / "thumb.jpg"

    @property
    def frame_index_path(self) -> Path:
        return self.folder / "frames.npy"

    def no_frames_reason(self) -> str | None:
        """Why frames cannot be named on this replay yet (notes, corrections), or None."""
        if self.frame_count and storage.exists(self.frame_index_path):
            return None
        if self.state == self.FAILED:
            return f"this replay has no frames: its processing failed ({self.failure_text})"
        return "this replay's frames are not indexed yet: try again once it is processed"

    def frame_times(self) -> np.ndarray:
        """The presentation time (s) of every frame: frame N is shown at ``frame_times()[N]``."""
        return np.load(storage.fetch(self.frame_index_path))

    @property
    def proxy_path(self) -> Path:
        """The review proxy: the same frames, a key frame on each (see ``make_review_proxy``)."""
        return self.folder / "review.mp4"

    @property
    def proxy_info_path(self) -> Path:
        return self.folder / "review.json"

    def proxy_info(self) -> dict | None:
        """``{"start_s", "keyint", "bytes", "seconds"}`` of a ready proxy, else None."""
        import json

        try:
            info = json.loads(storage.fetch(self.proxy_info_path).read_text())
        except (OSError, ValueError):
            return None
        # Remote media: the info is published after the proxy, so it alone says "ready".
        return info if storage.remote() or self.proxy_path.exists() else None

    @property
    def player_length_s(self) -> float:
        """The length the browser's player shows: the video's start plus its frames."""
        return self.start_s + self.duration_s

    @property
    def failure_text(self) -> str:
        """Why the job failed, as the team reads it: no server path (a file is named by its
        name); ``failure_reason`` keeps the whole text for staff and the logs."""
        return without_server_paths(self.failure_reason)

    def set_progress(self, fraction: float, stage: str | None = None) -> None:
        self.progress = round(max(0.0, min(1.0, fraction)) * 100, 1)
        fields = ["progress"]
        if stage is not None:
            self.stage = stage
            fields.append("stage")
        self.save(update_fields=fields)
        self.publish_status()

    def mark_running(self) -> bool:
        """Claims the job for this process; False when the row changed since it was read (it was
        deleted, or another worker claimed it first), and then this run must not start.

        One conditional UPDATE on the state, attempts and worker read: a delete or a second
        worker between this worker's read and its claim can never both win (``replay_delete``
        claims the row the same way).
        """
        claimed = Replay.objects.filter(
            pk=self.pk, state=self.state, attempts=self.attempts, worker_pid=self.worker_pid
        ).update(
            state=self.RUNNING,
            progress=0,
            stage="probing",
            failure_reason="",
            warning="",
            unusable=False,
            failed_with=None,
            attempts=models.F("attempts") + 1,
            worker_pid=os.getpid(),
        )
        if not claimed:
            return False
        self.state, self.progress, self.stage, self.failure_reason = self.RUNNING, 0, "probing", ""
        self.warning, self.unusable, self.failed_with = "", False, None
        self.attempts += 1
        self.worker_pid = os.getpid()
        self.publish_status()
        return True

    def mark_failed(
        self, reason: str, *, unusable: bool = False, profile: ProfileVersion | None = None
    ) -> None:
        """``unusable``: the reason is the file's own (refused by the probe), so running the job
        again would only fail again. ``profile``: the reason is this profile version's own (a
        ``ProfileError``), so running again with it would fail again (``profile_at_fault``)."""
        self.state, self.stage, self.failure_reason = self.FAILED, "", reason
        self.unusable = unusable
        self.failed_with = profile
        self.processed_at = timezone.now()
        self.save(
            update_fields=[
                "state",
                "stage",
                "failure_reason",
                "unusable",
                "failed_with",
                "processed_at",
            ]
        )
        self.publish_status()

    def mark_done(self) -> None:
        self.state, self.progress, self.stage = self.DONE, 100, ""
        self.processed_at = timezone.now()
        self.save(update_fields=["state", "progress", "stage", "processed_at"])
        self.publish_status()

    def publish_status(self) -> None:
        """Tells the replay page (over its websocket) the job's state, once the write commits."""
        from .progress import publish_status

        transaction.on_commit(lambda: publish_status(self))

    def status_dict(self) -> dict:
        return {
            "id": self.pk,
            "state": self.state,
            "progress": self.progress,
            "stage": self.stage,
            "failure_reason": self.failure_text,  # what the page shows: no server path
            "unusable": self.unusable,
            "warning": self.warning,
            "duration_s": self.duration_s,
            "frame_count": self.frame_count,
            "events": self.events.count(),
        }


class Event(models.Model):
    """A kill or death at an exact frame; found by a detector or added/corrected by a coach.

    The same fields as ``detectors.Event`` (kind, frame, time_s, confidence, source): events come
    in through ``from_detected`` and go out through ``to_detector`` / ``to_dict``, never copied
    field by field. A coach's review (confirm, reject, move, add) makes the event a label and
    survives every re-detection (see ``replays.corrections``).
    """

    KILL, DEATH = "kill", "death"
    KINDS = [(KILL, "Kill"), (DEATH, "Death")]
    AUTO, COACH = "auto", "coach"
    SOURCES = [(AUTO, "Detector"), (COACH, "Coach")]
    UNREVIEWED, CONFIRMED, REJECTED, MOVED, ADDED = "", "confirmed", "rejected", "moved", "added"
    REVIEWS = [
        (UNREVIEWED, "Not reviewed"),
        (CONFIRMED, "Confirmed"),
        (REJECTED, "Rejected"),
        (MOVED, "Moved"),
        (ADDED, "Added"),
    ]
    LABELS = (CONFIRMED, MOVED, ADDED)  # the reviews that say "this event happened here"

    replay = models.ForeignKey(Replay, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=KINDS)
    frame = models.PositiveIntegerField()
    time_s = models.FloatField()
    confidence = models.FloatField(default=1.0)
    source = models.CharField(max_length=10, choices=SOURCES, default=AUTO)
    profile_version = models.ForeignKey(
        ProfileVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    detector_version = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Corrections: what a coach said about the event, and what the detector last said.
    review = models.CharField(max_length=10, choices=REVIEWS, blank=True, default=UNREVIEWED)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_events",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    detected_frame = models.PositiveIntegerField(
        null=True, blank=True, help_text="Where a detection run last put it (empty: never found)."
    )
    found = models.BooleanField(
        default=True, help_text="Whether the replay's latest detection run found this event."
    )

    class Meta:
        ordering = ["replay", "frame", "kind"]

    def __str__(self) -> str:
        return f"{self.kind} @ frame {self.frame}"

    @classmethod
    def from_detected(
        cls, event: DetectedEvent, *, replay: Replay, version: ProfileVersion | None
    ) -> Event:
        """An unsaved row for an event a detector found in ``replay`` with ``version``."""
        return cls(
            replay=replay,
            kind=event.kind,
            frame=event.frame,
            time_s=event.time_s,
            confidence=event.confidence,
            source=cls.AUTO,
            profile_version=version,
            detector_version=DETECTOR_VERSION,
            detected_frame=event.frame,
            found=True,
        )

    def to_detector(self, source: str | None = None) -> DetectedEvent:
        """The event as ``detectors.Event`` (``source`` overrides the row's own)."""
        return DetectedEvent(
            kind=self.kind,
            frame=self.frame,
            time_s=self.time_s,
            confidence=self.confidence,
            source=source or self.source,
        )

    def to_dict(self) -> dict:
        """The JSON the pages get: the detector's event fields plus id and review state."""
        return {
            "id": self.pk,
            **self.to_detector().to_dict(),
            "review": self.review,
            "found": self.found,
        }

    @property
    def is_label(self) -> bool:
        return self.review in self.LABELS

    @property
    def rejected(self) -> bool:
        return self.review == self.REJECTED


class Clip(models.Model):
    """A short browser-ready H.264 clip around one event, with its thumbnail.

    The replay job makes the thumbnail and this row; the video file is cut the first time
    somebody opens it (``replays.clips.clip_file``), so ``file`` may not exist yet.
    """

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="clip")
    file = models.CharField(max_length=500)
    thumbnail = models.CharField(max_length=500)
    start_s = models.FloatField()
    end_s = models.FloatField()
    # Why the last cut failed, for the replay page; cleared when a cut succeeds.
    error = models.CharField(max_length=500, blank=True, default="")

    def __str__(self) -> str:
        return f"clip of {self.event}"

    @property
    def path(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.file

    @property
    def thumbnail_path(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.thumbnail


class Upload(models.Model):
    """A browser upload in flight: chunks are appended to a part file until it is whole."""

    OPEN, COMPLETE, EXPIRED, CANCELLED = "open", "complete", "expired", "cancelled"
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="uploads")
    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    filename = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField()
    received_bytes = models.BigIntegerField(default=0)
    state = models.CharField(max_length=10, default=OPEN)
    profile = models.ForeignKey(GameProfile, on_delete=models.SET_NULL, null=True, blank=True)
    replay = models.ForeignKey(Replay, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set while a PUT writes a chunk (and refreshed as it goes): one writer at a time.
    writing_since = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.filename} ({self.received_bytes}/{self.size_bytes})"

    @property
    def part_path(self) -> Path:
        return Path(settings.MEDIA_ROOT) / "uploads" / f"{self.id}.part"


class ProfileVerifier(models.Model):
    """A learned verifier trained for one profile version from its team's corrections.

    Its weights are a safetensors file beside the version's references; ``metrics`` holds the
    held-out precision and recall before (template matching alone) and after (with it). Only an
    ``active`` one is used by detection: one that beat template matching on held-out data.
    """

    QUEUED, TRAINING, DONE, FAILED = "queued", "training", "done", "failed"
    STATES = [(QUEUED, "Queued"), (TRAINING, "Training"), (DONE, "Trained"), (FAILED, "Failed")]

    version = models.ForeignKey(ProfileVersion, on_delete=models.CASCADE, related_name="verifiers")
    state = models.CharField(max_length=10, choices=STATES, default=QUEUED)
    active = models.BooleanField(default=False)
    weights = models.CharField(max_length=500, blank=True, help_text="Path under MEDIA_ROOT.")
    metrics = models.JSONField(default=dict, blank=True)
    failure_reason = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"verifier {self.pk} of {self.version}"

    @property
    def weights_path(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.weights

    @property
    def pending(self) -> bool:
        return self.state in (self.QUEUED, self.TRAINING)

    @property
    def failure_text(self) -> str:
        """Why training failed, as the profile's page shows it: no server path."""
        return without_server_paths(self.failure_reason)
