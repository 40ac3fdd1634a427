"""The one event type shared from detector to database to page."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

KINDS: tuple[str, ...] = ("kill", "death")


class EventError(ValueError):
    """An event (or an event dict from JSON) is malformed."""


@dataclass(frozen=True)
class Event:
    """A kill or death at an exact frame of a video.

    Attributes:
        kind: ``"kill"`` or ``"death"``.
        frame: Index into the video's frame index (presentation order, frame 0 first).
        time_s: Presentation time of that frame in seconds (frame 0 at 0.0).
        confidence: Detector score in [0, 1]; 1.0 for hand-made events.
        source: Who made it: ``"auto"`` for the detector, e.g. ``"manual"`` for people.
    """

    kind: str
    frame: int
    time_s: float
    confidence: float
    source: str = "auto"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise EventError(
                f"unknown event kind {self.kind!r} (expected one of {', '.join(KINDS)})"
            )
        if isinstance(self.frame, bool) or not isinstance(self.frame, int) or self.frame < 0:
            raise EventError(f"event frame must be a non-negative integer, got {self.frame!r}")
        if not _is_number(self.time_s) or not math.isfinite(self.time_s) or self.time_s < 0:
            raise EventError(f"event time_s must be a finite number >= 0, got {self.time_s!r}")
        if not _is_number(self.confidence) or not 0.0 <= self.confidence <= 1.0:
            raise EventError(f"event confidence must be within [0, 1], got {self.confidence!r}")
        if not isinstance(self.source, str) or not self.source:
            raise EventError(f"event source must be a non-empty string, got {self.source!r}")
        # Integers from JSON become floats, so equal events compare and serialise the same.
        object.__setattr__(self, "time_s", float(self.time_s))
        object.__setattr__(self, "confidence", float(self.confidence))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"kind", "frame", "time_s", "confidence", "source"}``."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        """Build an event from its JSON form.

        Raises:
            EventError: naming the missing or invalid field.
        """
        if not isinstance(data, dict):
            raise EventError(f"an event must be a JSON object, got {type(data).__name__}")
        for field in ("kind", "frame", "time_s"):
            if field not in data:
                raise EventError(f"event is missing field {field!r}")
        return cls(
            kind=data["kind"],
            frame=data["frame"],
            time_s=data["time_s"],
            confidence=data.get("confidence", 1.0),
            source=data.get("source", "auto"),
        )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
