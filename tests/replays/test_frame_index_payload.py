"""The frame index reaches the review page as runs, small for an hour and exact for VFR."""

from __future__ import annotations

import json

import numpy as np
import pytest

from replays.frameindex import decode, encode

HOUR_60 = 60 * 60 * 60


def micros(times: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(times) * 1_000_000).astype(np.int64)


@pytest.mark.parametrize(
    "ticks,timebase",
    [(256, 15360), (1001, 60000), (None, 1000)],
    ids=["mp4-60fps", "mp4-59.94fps", "webm-ms-60fps"],
)
def test_an_hour_at_60_fps_is_a_small_payload_that_expands_back_exactly(ticks, timebase) -> None:
    k = np.arange(HOUR_60)
    if ticks is None:  # a millisecond time base: 0, 17, 33, 50, ... rounded per frame
        times = np.floor(k * 1000 / 60 + 0.5) / 1000
    else:
        times = k * ticks / timebase
    payload = encode(times, 0.25)
    size = len(json.dumps(payload))
    assert size < 1000, size  # a 216,000-number list is ~2.5 MB
    assert payload["count"] == HOUR_60 and payload["start_s"] == 0.25
    assert np.array_equal(micros(decode(payload)), micros(times))


def test_a_variable_frame_rate_index_with_drops_and_a_pause_stays_exact() -> None:
    rng = np.random.default_rng(7)
    steps = np.concatenate(
        [np.full(5000, 16.667), rng.choice([16, 17, 33, 50], 3000), [2500.0], np.full(5000, 33.3)]
    )
    times = np.concatenate([[0.0], np.cumsum(steps)]) / 1000
    payload = encode(times)
    assert np.array_equal(micros(decode(payload)), micros(times))
    assert len(payload["runs"]) < len(times) / 2


def test_the_review_page_gets_the_compact_index_and_the_proxy(client, replay, users) -> None:
    client.force_login(users["owner"])
    data = client.get(f"/replays/{replay.pk}/frames.json?compact=1").json()
    full = client.get(f"/replays/{replay.pk}/frames.json").json()["times"]
    assert "times" not in data and data["count"] == len(full) == 60
    assert decode(data).tolist() == full
    assert data["proxy"]["url"] == f"/replays/{replay.pk}/review.mp4"
    answer = client.get(data["proxy"]["url"], HTTP_RANGE="bytes=0-99")
    assert answer.status_code == 206 and answer["Content-Range"].startswith("bytes 0-99/")


def test_another_team_cannot_fetch_the_review_proxy(client, replay, users) -> None:
    client.force_login(users["outsider"])
    assert client.get(f"/replays/{replay.pk}/review.mp4").status_code == 404
    client.force_login(users["coach"])
    assert client.get(f"/replays/{replay.pk}/review.mp4").status_code == 200
