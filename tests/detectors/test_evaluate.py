"""Precision, recall and timing error on a known case."""

from __future__ import annotations

import json

import pytest

from detectors.evaluate import format_score, load_labels, score
from detectors.events import Event, EventError


def _e(kind: str, t: float) -> Event:
    return Event(kind, int(t * 30), t, 1.0)


def test_it_scores_a_known_case():
    labels = [_e("kill", 1.0), _e("kill", 5.0), _e("death", 3.0), _e("death", 9.0)]
    detected = [_e("kill", 1.2), _e("kill", 7.0), _e("death", 2.6), _e("kill", 3.0)]
    result = score(detected, labels, tolerance_s=1.0)
    # kill 1.2 <-> 1.0 and death 2.6 <-> 3.0 match; kill 3.0 is not a death; kill 7.0 is too far.
    assert (result.detected, result.labelled, result.matched) == (4, 4, 2)
    assert result.precision == 0.5 and result.recall == 0.5
    assert result.mean_error_s == pytest.approx(0.3) and result.max_error_s == pytest.approx(0.4)
    assert result.per_kind["kill"].precision == pytest.approx(1 / 3)
    assert result.per_kind["death"].recall == 0.5
    text = format_score(result, 1.0)
    assert "precision 0.500  recall 0.500" in text and "mean 0.300 s, max 0.400 s" in text


def test_each_event_is_matched_at_most_once():
    labels = [_e("kill", 1.0)]
    result = score([_e("kill", 0.9), _e("kill", 1.05)], labels)
    assert result.matched == 1 and result.timing_errors_s == pytest.approx((0.05,))


def test_empty_inputs_score_as_perfect_not_as_a_division_error():
    result = score([], [])
    assert (result.precision, result.recall, result.mean_error_s) == (1.0, 1.0, 0.0)


def test_labels_may_leave_out_the_frame_when_a_frame_index_is_given(tmp_path):
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"events": [{"kind": "kill", "time_s": 0.2}]}))
    (event,) = load_labels(path, frame_index=__import__("numpy").arange(10) / 10)
    assert (event.frame, event.source, event.confidence) == (2, "label", 1.0)


def test_bad_labels_name_the_entry(tmp_path):
    path = tmp_path / "labels.json"
    path.write_text(json.dumps([{"kind": "kill", "frame": 1, "time_s": 0.1}, {"kind": "x"}]))
    with pytest.raises(EventError, match="labels labels.json entry 1"):
        load_labels(path)
