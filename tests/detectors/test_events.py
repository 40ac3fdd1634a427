"""The shared Event type validates itself and round-trips through JSON."""

from __future__ import annotations

import pytest

from detectors.events import Event, EventError


def test_it_round_trips_through_its_dict():
    event = Event("kill", 12, 0.4, 0.93)
    assert event.to_dict() == {
        "kind": "kill",
        "frame": 12,
        "time_s": 0.4,
        "confidence": 0.93,
        "source": "auto",
    }
    assert Event.from_dict(event.to_dict()) == event


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "assist"}, "unknown event kind 'assist'"),
        ({"frame": -1}, "frame must be a non-negative integer"),
        ({"frame": 1.5}, "frame must be a non-negative integer"),
        ({"time_s": float("nan")}, "time_s must be a finite number"),
        ({"confidence": 1.2}, r"confidence must be within \[0, 1\]"),
        ({"source": ""}, "source must be a non-empty string"),
    ],
)
def test_it_rejects_invalid_fields(fields, message):
    good = {"kind": "death", "frame": 3, "time_s": 0.1, "confidence": 0.5}
    with pytest.raises(EventError, match=message):
        Event(**{**good, **fields})


def test_from_dict_names_a_missing_field():
    with pytest.raises(EventError, match="missing field 'time_s'"):
        Event.from_dict({"kind": "kill", "frame": 1})
