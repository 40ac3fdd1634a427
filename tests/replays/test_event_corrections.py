"""Event corrections over HTTP: who may make them, what each does, bad input, labels.json."""

from __future__ import annotations

import json

import pytest

from replays.models import Event
from replays.selectors import replay_stats


@pytest.fixture
def events(replay):
    """Three detected events on the owner's 60-frame replay."""
    made = []
    for kind, frame in (("kill", 6), ("death", 15), ("kill", 45)):
        made.append(
            Event.objects.create(
                replay=replay,
                kind=kind,
                frame=frame,
                time_s=float(replay.frame_times()[frame]),
                confidence=0.9,
                detected_frame=frame,
            )
        )
    return made


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def url(event, action):
    return f"/replays/{event.replay_id}/events/{event.pk}/{action}"


def test_a_coach_confirms_rejects_and_moves_detected_events(client, users, events):
    client.force_login(users["coach"])
    kill, death, other = events
    assert post(client, url(kill, "confirm")).json()["event"]["review"] == "confirmed"
    assert post(client, url(death, "reject")).json()["event"]["review"] == "rejected"
    moved = post(client, url(other, "move"), {"frame": 50}).json()["event"]
    times = other.replay.frame_times()
    assert moved == {
        "id": other.pk,
        "kind": "kill",
        "frame": 50,
        "time_s": pytest.approx(float(times[50])),
        "confidence": 0.9,
        "source": "auto",
        "review": "moved",
        "found": True,
    }
    other.refresh_from_db()
    assert (other.frame, other.detected_frame, other.reviewed_by) == (50, 45, users["coach"])
    assert Event.objects.get(pk=death.pk).reviewed_at is not None
    # A rejected event is not counted: 2 kills, no death.
    stats = replay_stats(kill.replay)
    assert (stats.kills, stats.deaths) == (2, 0)
    # Confirming a rejected event takes the rejection back.
    assert post(client, url(death, "confirm")).json()["event"]["review"] == "confirmed"


def test_moving_an_event_back_where_the_detector_had_it_is_a_confirmation(client, users, events):
    client.force_login(users["coach"])
    kill = events[0]
    post(client, url(kill, "move"), {"frame": 9})
    assert post(client, url(kill, "move"), {"frame": 6}).json()["event"]["review"] == "confirmed"


def test_an_event_is_not_moved_onto_a_frame_that_has_one_of_its_kind(client, users, events):
    client.force_login(users["coach"])
    kill, death, other = events
    refused = post(client, url(other, "move"), {"frame": 6})
    assert refused.status_code == 400
    assert refused.json()["error"] == "there is already a kill at frame 6"
    other.refresh_from_db()
    assert (other.frame, other.review) == (45, "")
    assert post(client, url(death, "move"), {"frame": 6}).status_code == 200  # another kind
    post(client, url(kill, "reject"))  # a rejected kill does not hold its frame
    assert post(client, url(other, "move"), {"frame": 6}).json()["event"]["frame"] == 6
    assert replay_stats(kill.replay).kills == 1


def test_a_coach_adds_a_missed_event_and_removes_it_again(client, users, replay, events):
    client.force_login(users["coach"])
    response = post(client, f"/replays/{replay.pk}/events/add", {"kind": "death", "frame": 30})
    assert response.status_code == 200, response.content
    added = response.json()["event"]
    assert (added["kind"], added["frame"], added["source"], added["review"]) == (
        "death",
        30,
        "coach",
        "added",
    )
    assert added["found"] is False  # the detector never found it: a miss
    row = Event.objects.get(pk=added["id"])
    assert row.created_by == users["coach"] and row.confidence == 1.0
    again = post(client, f"/replays/{replay.pk}/events/add", {"kind": "death", "frame": 30})
    assert again.status_code == 400
    assert again.json()["error"] == "there is already a death at frame 30"
    removed = post(client, url(row, "reject"))
    assert removed.json() == {"event": None}
    assert not Event.objects.filter(pk=row.pk).exists()


def test_labels_json_holds_confirmed_moved_and_added_events_only(client, users, replay, events):
    client.force_login(users["coach"])
    kill, death, other = events
    post(client, url(kill, "confirm"))
    post(client, url(death, "reject"))
    post(client, url(other, "move"), {"frame": 48})
    post(client, f"/replays/{replay.pk}/events/add", {"kind": "death", "frame": 33})
    Event.objects.create(replay=replay, kind="death", frame=55, time_s=1.8)  # unreviewed
    client.force_login(users["owner"])  # players may read the labels
    labels = client.get(f"/replays/{replay.pk}/labels.json").json()
    times = replay.frame_times()
    assert labels["replay"] == replay.pk
    assert labels["events"] == [
        {
            "kind": "kill",
            "frame": 6,
            "time_s": pytest.approx(float(times[6])),
            "confidence": 0.9,
            "source": "confirmed",
        },
        {
            "kind": "death",
            "frame": 33,
            "time_s": pytest.approx(float(times[33])),
            "confidence": 1.0,
            "source": "added",
        },
        {
            "kind": "kill",
            "frame": 48,
            "time_s": pytest.approx(float(times[48])),
            "confidence": 0.9,
            "source": "moved",
        },
    ]


def test_a_player_cannot_correct_events(client, users, replay, events):
    client.force_login(users["owner"])
    kill = events[0]
    for response in (
        post(client, url(kill, "confirm")),
        post(client, url(kill, "reject")),
        post(client, url(kill, "move"), {"frame": 3}),
        post(client, f"/replays/{replay.pk}/events/add", {"kind": "kill", "frame": 3}),
    ):
        assert response.status_code == 403
        assert response.json()["error"] == "only the team's coaches correct events"
    kill.refresh_from_db()
    assert (kill.review, kill.frame) == ("", 6)
    assert replay.events.count() == 3
    page = client.get(f"/replays/{replay.pk}/").content.decode()
    assert 'data-correct="reject"' not in page and 'data-add="kill"' not in page


def test_the_review_page_gives_a_coach_the_correction_buttons(client, users, replay, events):
    client.force_login(users["coach"])
    page = client.get(f"/replays/{replay.pk}/").content.decode()
    assert page.count('data-correct="reject"') == 3
    assert 'data-add="kill"' in page and 'data-add="death"' in page


ENDPOINTS = [
    ("post", "/replays/{pk}/events/{event}/confirm"),
    ("post", "/replays/{pk}/events/{event}/reject"),
    ("post", "/replays/{pk}/events/{event}/move"),
    ("post", "/replays/{pk}/events/add"),
    ("get", "/replays/{pk}/labels.json"),
]


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_it_validates_ownership(client, users, replay, events, method, path):
    client.force_login(users["outsider"])
    target = path.format(pk=replay.pk, event=events[0].pk)
    body = {"kind": "kill", "frame": 3}
    if method == "post":
        response = post(client, target, body)
    else:
        response = client.get(target)
    assert response.status_code == 404
    assert response.json() == {"error": "no such replay"}  # JSON, like every answer of the API
    assert Event.objects.filter(review="").count() == 3 and replay.events.count() == 3


def test_an_event_of_another_replay_is_not_found_under_this_one(
    client, users, replay, events, sample_mp4, tmp_path
):
    from coach.models import Membership
    from replays.services import replay_ingest_file

    Membership.objects.create(team=users["other"], user=users["coach"], role=Membership.COACH)
    other_replay, _ = replay_ingest_file(
        team=users["other"],
        uploader=users["outsider"],
        source=sample_mp4,
        original_name="theirs.mp4",
        move=False,
    )
    theirs = Event.objects.create(replay=other_replay, kind="kill", frame=3, time_s=0.1)
    client.force_login(users["coach"])
    response = post(client, f"/replays/{replay.pk}/events/{theirs.pk}/reject")
    assert response.status_code == 404
    assert response.json() == {"error": "no such event"}
    assert Event.objects.get(pk=theirs.pk).review == ""
    assert post(client, f"/replays/{replay.pk}/events/999999/move").json() == {
        "error": "no such event"
    }


@pytest.mark.parametrize(
    "action,body,message",
    [
        ("move", {"frame": "abc"}, "the frame must be a whole number, not 'abc'"),
        ("move", {}, "say which frame: a whole number"),
        ("move", {"frame": None}, "say which frame: a whole number"),
        ("move", {"frame": 2.5}, "the frame must be a whole number, not '2.5'"),
        ("move", {"frame": 60}, "frame 60 is outside the replay (0 to 59)"),
        ("move", {"frame": -1}, "frame -1 is outside the replay (0 to 59)"),
        ("move", {"frame": True}, "the frame must be a whole number, not 'True'"),
        (
            "add",
            {"kind": "assist", "frame": 3},
            "the kind must be one of kill, death, got 'assist'",
        ),
        ("add", {"kind": "kill", "frame": 99}, "frame 99 is outside the replay (0 to 59)"),
        ("add", ["kill"], "send a JSON object"),
    ],
)
def test_it_rejects_bad_corrections_with_a_message(
    client, users, replay, events, action, body, message
):
    client.force_login(users["coach"])
    target = url(events[0], "move") if action == "move" else f"/replays/{replay.pk}/events/add"
    response = client.post(target, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert replay.events.count() == 3
    events[0].refresh_from_db()
    assert (events[0].frame, events[0].review) == (6, "")


def test_it_rejects_a_body_that_is_not_json(client, users, replay, events):
    client.force_login(users["coach"])
    response = client.post(
        f"/replays/{replay.pk}/events/add", b"\xff{", content_type="application/json"
    )
    assert response.status_code == 400 and response.json() == {"error": "send a JSON object"}


def test_a_form_post_works_as_well_as_json(client, users, replay, events):
    client.force_login(users["coach"])
    response = client.post(f"/replays/{replay.pk}/events/add", {"kind": "kill", "frame": "12"})
    assert response.status_code == 200 and response.json()["event"]["frame"] == 12


def test_an_added_events_clip_opens_before_its_queued_task_made_its_record(
    client, users, replay, events, settings
):
    """The Clip button of a row just added answered 404 until the clip task had run."""
    from replays.models import Clip

    # No queue listens: the task that makes the added event's clip record waits.
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False, "redis": "unix:///nonexistent.sock"}
    client.force_login(users["coach"])
    added = post(client, f"/replays/{replay.pk}/events/add", {"kind": "kill", "frame": 33})
    event_id = added.json()["event"]["id"]
    assert not Clip.objects.filter(event_id=event_id).exists()
    thumb = client.get(f"/replays/{replay.pk}/events/{event_id}/clip.jpg")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    video = client.get(f"/replays/{replay.pk}/events/{event_id}/clip.mp4")
    assert video.status_code == 200 and video["Content-Type"] == "video/mp4"
    assert client.get(f"/replays/{replay.pk}/events/999999/clip.mp4").status_code == 404
    client.force_login(users["outsider"])
    assert client.get(f"/replays/{replay.pk}/events/{event_id}/clip.mp4").status_code == 404


def test_a_replay_without_frames_gets_a_message_not_a_500(client, users, media_root):
    from replays.models import Replay

    client.force_login(users["coach"])
    common = {"team": users["team"], "uploader": users["owner"], "size_bytes": 1}
    failed = Replay.objects.create(
        **common, title="junk", original_name="junk.mp4", sha256="1" * 64,
        state=Replay.FAILED, failure_reason="not a video file (it looks like text)",
    )  # fmt: skip
    running = Replay.objects.create(
        **common, title="new", original_name="new.mp4", sha256="2" * 64, state=Replay.RUNNING
    )
    for replay, says in (
        (failed, "this replay has no frames: its processing failed (not a video file"),
        (running, "this replay's frames are not indexed yet"),
    ):
        added = post(client, f"/replays/{replay.pk}/events/add", {"kind": "kill", "frame": 0})
        assert added.status_code == 400 and says in added.json()["error"]
        note = post(client, f"/coach/replays/{replay.pk}/notes.json", {"frame": 0, "text": "hi"})
        assert note.status_code == 400 and says in note.json()["error"]
    assert not Event.objects.exists()
