"""Training a profile's verifier from its team's corrections (a django-q2 job) and using it.

Examples are the team's reviewed events on replays whose latest detection used a version of the
profile (the same replays the profile page's accuracy counts): confirmed, moved and added events
are positives, rejected ones negatives. Crops are cut with the profile's latest version.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from coach.queue import enqueue
from detectors import ProfileError, load_profile
from detectors.verifier import Verifier, VerifierError, load_verifier
from detectors.verifier_training import (
    Crop,
    Example,
    examples_missing,
    extract_crops,
    train_verifier,
)
from detectors.video import VideoError

from ..models import Event, GameProfile, ProfileVerifier, ProfileVersion, Replay

logger = logging.getLogger(__name__)


class VerifierRefused(ValueError):
    """Training cannot start; the message says why (shown on the profile page)."""


@dataclass(frozen=True)
class Readiness:
    """How many corrections a profile has for training, and how many more it needs."""

    confirmed: int
    rejected: int

    @property
    def missing(self) -> int:
        return examples_missing(self.confirmed, self.rejected)


def _corrected_replays(profile: GameProfile):
    return Replay.objects.filter(team_id=profile.team_id, detected_with__profile=profile)


def _corrections(profile: GameProfile):
    events = Event.objects.filter(replay__in=_corrected_replays(profile))
    return events.exclude(review=Event.UNREVIEWED)


def verifier_readiness(profile: GameProfile) -> Readiness:
    reviews = list(_corrections(profile).values_list("review", flat=True))
    rejected = sum(1 for r in reviews if r == Event.REJECTED)
    return Readiness(len(reviews) - rejected, rejected)


def profile_verifier_request(*, profile: GameProfile, user) -> ProfileVerifier:
    """Queues a training run of the profile's verifier on its latest version.

    Raises:
        VerifierRefused: a built-in profile, no version, too few corrections, or a run already
            queued or training.
    """
    if profile.team_id is None:
        raise VerifierRefused(
            "built-in profiles are shared by every team: import a copy to train a verifier"
        )
    version = profile.latest
    if version is None:
        raise VerifierRefused("the profile has no version yet")
    ready = verifier_readiness(profile)
    if ready.missing:
        raise VerifierRefused(f"not enough corrections yet: {ready.missing} more needed")
    with transaction.atomic():
        if ProfileVerifier.objects.filter(
            version__profile=profile, state__in=[ProfileVerifier.QUEUED, ProfileVerifier.TRAINING]
        ).exists():
            raise VerifierRefused("a verifier is already being trained for this profile")
        verifier = ProfileVerifier.objects.create(version=version, requested_by=user)
    enqueue(
        "replays.tasks.train_verifier",
        verifier.pk,
        name=f"verifier-{verifier.pk}",
        group="verifiers",
    )
    return verifier


def _crops(profile, replay: Replay) -> list[Crop]:
    events = list(replay.events.all())
    examples = [Example(e.kind, e.time_s, e.is_label, f"e{e.pk}") for e in events if e.review]
    known = [e.time_s for e in events if not e.review]
    return extract_crops(
        replay.path,
        replay.frame_times(),
        profile,
        examples,
        known_times=known,
        tag=f"r{replay.pk}:",
    )


def profile_verifier_train(*, verifier_id: int) -> None:
    """The training job: crops, training, held-out evaluation, weights, metrics, activation.

    Never raises for bad data: the row ends ``failed`` with the reason.
    """
    row = ProfileVerifier.objects.select_related("version__profile").filter(pk=verifier_id).first()
    if row is None or row.state == ProfileVerifier.DONE:
        return
    ProfileVerifier.objects.filter(pk=row.pk).update(state=ProfileVerifier.TRAINING)
    version = row.version
    try:
        profile = load_profile(version.spec, base_dir=version.path)
        crops: list[Crop] = []
        replays = _corrected_replays(version.profile).filter(
            pk__in=_corrections(version.profile).values("replay")
        )
        for replay in replays:
            crops += _crops(profile, replay)
        training = train_verifier(profile, crops)
        name = f"verifier-{row.pk}.safetensors"
        training.verifier.save(version.path / name)
    except Exception as exc:  # noqa: BLE001 (a stuck "training" row would block every retrain)
        if not isinstance(exc, VerifierError | VideoError | ProfileError | OSError):
            logger.exception("verifier %s: training failed", row.pk)
        row.state, row.failure_reason = ProfileVerifier.FAILED, str(exc) or type(exc).__name__
        row.finished_at = timezone.now()
        row.save(update_fields=["state", "failure_reason", "finished_at"])
        return
    with transaction.atomic():
        if training.better:
            ProfileVerifier.objects.filter(version__profile=version.profile).update(active=False)
        row.state, row.active = ProfileVerifier.DONE, training.better
        row.weights = f"{version.folder}/{name}"
        row.metrics = training.metrics
        row.finished_at = timezone.now()
        row.save()


def active_verifier(version: ProfileVersion) -> Verifier | None:
    """The version's active verifier, loaded (None when there is none or its file is unusable)."""
    row = version.verifiers.filter(active=True, state=ProfileVerifier.DONE).first()
    if row is None:
        return None
    try:
        return load_verifier(row.weights_path, load_profile(version.spec, base_dir=version.path))
    except (VerifierError, ProfileError) as exc:
        logger.warning("verifier %s not used: %s", row.pk, exc)
        return None
