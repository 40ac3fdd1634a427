"""The profile editor's indicator discovery endpoint: a box from three marked frames, ownership."""

from __future__ import annotations

import json

import numpy as np
import pytest

from replays.models import Replay
from replays.services import replay_ingest_file
from tests.discovery_footage import (
    MOMENTS,
    SHOWN_S,
    TRUE_BOX,
    iou,
    make_hud_footage,
    make_plain_footage,
)


@pytest.fixture(scope="module")
def hud_video(tmp_path_factory):
    return make_hud_footage(tmp_path_factory.mktemp("hud") / "hud.mp4")


def _ingest(team, uploader, video) -> Replay:
    replay, _ = replay_ingest_file(
        team=team, uploader=uploader, source=video, original_name="hud.mp4", move=False
    )
    replay.refresh_from_db()
    assert replay.state == Replay.DONE, replay.error if hasattr(replay, "error") else replay.state
    return replay


@pytest.fixture
def hud_replay(users, sync_jobs, hud_video) -> Replay:
    return _ingest(users["team"], users["owner"], hud_video)


def _frames(replay: Replay, times) -> list[int]:
    index = replay.frame_times()
    return [int(np.searchsorted(index, t - 1e-4)) for t in times]


def _post(client, user, replay_id: int, body) -> tuple[int, dict]:
    client.force_login(user)
    data = body if isinstance(body, str) else json.dumps(body)
    response = client.post(
        f"/profiles/discover/{replay_id}", data=data, content_type="application/json"
    )
    return response.status_code, response.json()


def test_three_marked_frames_give_the_indicator_box(client, users, hud_replay) -> None:
    status, got = _post(
        client, users["owner"], hud_replay.pk, {"frames": _frames(hud_replay, MOMENTS)}
    )
    assert status == 200, got
    assert iou(got["box"], TRUE_BOX) >= 0.5, got
    assert got["weak"] is False, got
    # The frame to cut the reference from shows the indicator, and its time is the index's.
    assert any(m < got["time_s"] < m + SHOWN_S for m in MOMENTS), got
    assert got["time_s"] == pytest.approx(float(hud_replay.frame_times()[got["frame"]]), abs=1e-3)


def test_frames_marked_late_give_the_box_and_the_onset_frames(client, users, hud_replay) -> None:
    # Marked 0.4 s after each line appeared (as a detected event would be): the box is the
    # same, and the answer says at which frames the sign actually appeared.
    late = [m + 0.4 for m in MOMENTS]
    status, got = _post(
        client, users["owner"], hud_replay.pk, {"frames": _frames(hud_replay, late)}
    )
    assert status == 200, got
    assert iou(got["box"], TRUE_BOX) >= 0.5, got
    index = hud_replay.frame_times()
    onsets = [float(index[n]) for n in got["onset_frames"]]
    assert onsets == pytest.approx(MOMENTS, abs=0.25), got


def test_marks_where_nothing_appears_give_a_proposal_called_weak(client, users, hud_replay):
    # Before and between the lines (each shown 1.5 s): whatever is proposed is said to be weak.
    between = [0.5, *(m + SHOWN_S + 0.5 for m in MOMENTS[:2])]
    status, got = _post(
        client, users["owner"], hud_replay.pk, {"frames": _frames(hud_replay, between)}
    )
    assert status == 200, got
    assert got["weak"] is True and got["score"] < 0.2 and iou(got["box"], TRUE_BOX) < 0.5, got


def test_bad_moments_get_a_one_line_reason(client, users, hud_replay) -> None:
    frames = _frames(hud_replay, MOMENTS)
    cases = [
        ({"frames": frames[:1]}, "mark 2 to 5 moments"),
        ({"frames": [frames[0], frames[0], frames[1]]}, "the same frame is marked twice"),
        ({"frames": [frames[0], 10**6]}, "outside the replay"),
        ({"frames": [frames[0], "x"]}, "is not a frame number"),
        ("{nope", "send the draft as JSON"),
    ]
    for body, reason in cases:
        status, got = _post(client, users["owner"], hud_replay.pk, body)
        assert status == 400 and reason in got["error"], (body, got)


def test_nothing_found_is_a_one_line_reason(client, users, sync_jobs, tmp_path) -> None:
    # A replay where nothing appears and holds (a panning, noisy scene alone).
    video = make_plain_footage(tmp_path / "plain.mp4", seconds=10.0)
    replay = _ingest(users["team"], users["owner"], video)
    body = {"frames": _frames(replay, (2.5, 5.0, 7.5))}
    status, got = _post(client, users["owner"], replay.pk, body)
    assert status == 400 and "nothing appeared" in got["error"], got


def test_another_teams_replay_is_a_404(client, users, hud_replay, hud_video) -> None:
    frames = _frames(hud_replay, MOMENTS)
    status, got = _post(client, users["outsider"], hud_replay.pk, {"frames": frames})
    assert status == 404 and "box" not in got
    # ...and the other way round: the owner cannot run it on the rivals' replay.
    rivals = _ingest(users["other"], users["outsider"], hud_video)
    status, got = _post(client, users["owner"], rivals.pk, {"frames": frames})
    assert status == 404 and "box" not in got
    status, got = _post(client, users["outsider"], rivals.pk, {"frames": frames})
    assert status == 200 and iou(got["box"], TRUE_BOX) >= 0.5
