"""The live accuracy of a game profile, read from a team's corrections."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from ..models import Event, GameProfile, Replay


@dataclass(frozen=True)
class Accuracy:
    """How a profile's latest detection runs compare with the coaches' corrections.

    A confirmed, moved or added event the run found is a hit; one it did not find is a miss; a
    rejected event it found is a false positive. Events nobody reviewed do not count.

    Attributes:
        hits: Labels the detector found.
        false_positives: Rejected events the detector found.
        misses: Labels the detector did not find.
        replays: Replays with at least one correction.
    """

    hits: int
    false_positives: int
    misses: int
    replays: int

    @property
    def reviewed(self) -> int:
        return self.hits + self.false_positives + self.misses

    @property
    def precision(self) -> float | None:
        found = self.hits + self.false_positives
        return self.hits / found if found else None

    @property
    def recall(self) -> float | None:
        labelled = self.hits + self.misses
        return self.hits / labelled if labelled else None


def profile_accuracy(profile: GameProfile, user) -> Accuracy:
    """The profile's precision and recall on the corrected replays the user's team(s) own.

    Only replays whose latest detection used a version of this profile count (their events say
    what that run found). A team's own profile counts its team's replays.
    """
    replays = Replay.objects.visible_to(user).filter(detected_with__profile=profile)
    if profile.team_id is not None:
        replays = replays.filter(team_id=profile.team_id)
    events = Event.objects.filter(replay__in=replays).exclude(review=Event.UNREVIEWED)
    counts = events.aggregate(
        hits=Count("pk", filter=Q(review__in=Event.LABELS, found=True)),
        false_positives=Count("pk", filter=Q(review=Event.REJECTED, found=True)),
        misses=Count("pk", filter=Q(review__in=Event.LABELS, found=False)),
        replays=Count("replay", distinct=True),
    )
    return Accuracy(**counts)
