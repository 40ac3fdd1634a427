"""Scoring detected events against labels: precision, recall and timing error."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from detectors.events import KINDS, Event, EventError


@dataclass(frozen=True)
class Score:
    """How detected events compare with labelled ones.

    Precision is 1.0 when nothing was detected and recall 1.0 when nothing was labelled (no
    false positives, resp. nothing to miss).

    Attributes:
        detected: Number of detected events.
        labelled: Number of labelled events.
        matched: Pairs (same kind, within the tolerance), each event used at most once.
        timing_errors_s: |detected time - labelled time| of every matched pair.
        per_kind: The same score for each kind alone.
    """

    detected: int
    labelled: int
    matched: int
    timing_errors_s: tuple[float, ...]
    per_kind: dict[str, Score] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.matched / self.detected if self.detected else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.labelled if self.labelled else 1.0

    @property
    def mean_error_s(self) -> float:
        return float(np.mean(self.timing_errors_s)) if self.timing_errors_s else 0.0

    @property
    def max_error_s(self) -> float:
        return float(np.max(self.timing_errors_s)) if self.timing_errors_s else 0.0


def _match(detected: list[Event], labels: list[Event], tolerance_s: float) -> list[float]:
    # Closest pairs first, so one early detection cannot steal the label of a later one.
    pairs = sorted(
        (abs(d.time_s - lab.time_s), i, j)
        for i, d in enumerate(detected)
        for j, lab in enumerate(labels)
        if abs(d.time_s - lab.time_s) <= tolerance_s + 1e-9
    )
    used_d: set[int] = set()
    used_l: set[int] = set()
    errors = []
    for err, i, j in pairs:
        if i not in used_d and j not in used_l:
            used_d.add(i)
            used_l.add(j)
            errors.append(err)
    return errors


def score(detected: list[Event], labels: list[Event], tolerance_s: float = 1.0) -> Score:
    """Pairs detected events with labels of the same kind within ``tolerance_s`` seconds."""
    per_kind = {}
    for kind in KINDS:
        d = [e for e in detected if e.kind == kind]
        lab = [e for e in labels if e.kind == kind]
        errs = _match(d, lab, tolerance_s)
        per_kind[kind] = Score(len(d), len(lab), len(errs), tuple(errs))
    errors = tuple(e for s in per_kind.values() for e in s.timing_errors_s)
    return Score(len(detected), len(labels), len(errors), errors, per_kind)


def load_labels(path: str | Path, frame_index: np.ndarray | None = None) -> list[Event]:
    """Reads labels: a JSON list of events (or ``{"events": [...]}``) in the event shape.

    ``frame`` may be left out when ``frame_index`` is given: it is then the frame shown at
    ``time_s``. ``confidence`` defaults to 1.0 and ``source`` to "label".

    Raises:
        EventError: one line naming the file, the entry and the problem.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EventError(f"cannot read labels {path}: {exc.strerror}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EventError(f"labels {path.name} are not valid JSON: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("events")
    if not isinstance(data, list):
        raise EventError(f"labels {path.name} must be a JSON list of events")
    events = []
    for i, item in enumerate(data):
        try:
            if isinstance(item, dict) and "frame" not in item and frame_index is not None:
                t = float(item.get("time_s", 0.0))
                frame = int(np.searchsorted(frame_index, t - 1e-4))
                item = {**item, "frame": min(frame, len(frame_index) - 1)}
            if isinstance(item, dict):
                item = {"confidence": 1.0, "source": "label", **item}
            events.append(Event.from_dict(item))
        except (EventError, TypeError, ValueError) as exc:
            raise EventError(f"labels {path.name} entry {i}: {exc}") from exc
    return sorted(events, key=lambda e: e.time_s)


def format_score(result: Score, tolerance_s: float) -> str:
    """The human-readable report printed by ``python -m detectors evaluate``."""
    lines = [
        f"events: {result.detected} detected, {result.labelled} labelled, "
        f"{result.matched} matched (same kind within {tolerance_s:g} s)",
        f"precision {result.precision:.3f}  recall {result.recall:.3f}",
        f"timing error of matched events: mean {result.mean_error_s:.3f} s, "
        f"max {result.max_error_s:.3f} s",
    ]
    for kind, sub in result.per_kind.items():
        lines.append(
            f"  {kind:<5} detected {sub.detected:>3}  labelled {sub.labelled:>3}  "
            f"precision {sub.precision:.3f}  recall {sub.recall:.3f}  "
            f"mean error {sub.mean_error_s:.3f} s"
        )
    return "\n".join(lines)
