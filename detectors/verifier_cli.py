"""``python -m detectors train-verifier``: a verifier from videos and their labels files.

A labels file is taken as complete (as ``evaluate`` takes it): its events are the confirmed
examples, and every candidate template matching proposes at the lower threshold that no label
matches (same kind within 1 s) is a rejected one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from detectors.detect import detect
from detectors.evaluate import load_labels
from detectors.profile import Indicator, Profile
from detectors.verifier import VerifierError, candidate_threshold_for
from detectors.verifier_training import (
    Crop,
    Example,
    TrainArgs,
    Training,
    extract_crops,
    train_verifier,
)
from detectors.video import own_frame_index

TOLERANCE_S = 1.0


class _Propose:
    """A verifier that keeps every candidate: what matching proposes at the lower threshold."""

    def candidate_threshold(self, indicator: Indicator) -> float:
        return candidate_threshold_for(indicator)

    def keep(self, indicator: Indicator, crop_luma: object) -> bool:
        return True


def examples_of(video: str, labels_path: str, profile: Profile, n: int) -> list[Crop]:
    """The crops of one video: its labels, and the candidates no label matches."""
    index = own_frame_index(video)
    labels = load_labels(labels_path, index)
    proposed = detect(video, profile, frame_index=index, verifier=_Propose()).events
    examples = [Example(e.kind, e.time_s, True, f"v{n}:l{i}") for i, e in enumerate(labels)]
    for i, c in enumerate(proposed):
        near = [e for e in labels if e.kind == c.kind and abs(e.time_s - c.time_s) <= TOLERANCE_S]
        if not near:
            examples.append(Example(c.kind, c.time_s, False, f"v{n}:c{i}"))
    return extract_crops(video, index, profile, examples, tag=f"v{n}:")


def run(
    profile: Profile, videos: Sequence[str], labels: Sequence[str], out: Path, steps: int = 400
) -> str:
    """Trains, writes ``out`` and returns the report the CLI prints."""
    if len(videos) != len(labels):
        raise VerifierError(
            f"give one --labels file per video: {len(labels)} labels for {len(videos)} videos"
        )
    crops: list[Crop] = []
    for n, (video, label) in enumerate(zip(videos, labels, strict=True)):
        crops += examples_of(video, label, profile, n)
    training = train_verifier(profile, crops, TrainArgs(steps=steps))
    training.verifier.save(out)
    return report(training, crops, len(videos), out)


def report(training: Training, crops: Sequence[Crop], videos: int, out: Path) -> str:
    groups = {c.group: c.positive for c in crops}
    pos = sum(groups.values())
    b, a = training.before, training.after
    verdict = "better: use it" if training.better else "NOT better: do not use it"
    return "\n".join(
        [
            f"examples: {pos} confirmed, {len(groups) - pos} rejected in {videos} video(s)",
            f"held out: {training.held_out_examples} (trained on {training.train_examples})",
            f"{'':22}precision  recall",
            f"{'template matching':22}{b.precision:9.3f}  {b.recall:6.3f}",
            f"{'with the verifier':22}{a.precision:9.3f}  {a.recall:6.3f}",
            f"trained in {training.train_s:.1f} s on 1 thread "
            f"(load average {training.load_average:.1f}, {os.cpu_count()} cores)",
            f"{verdict} -> {out}",
        ]
    )
