"""Corrections on a really detected replay: kept through re-detection, exported as labels that
``python -m detectors evaluate`` reads, and the profile's live accuracy agrees with it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from detectors import Event as DetectedEvent
from detectors.synth import make_match
from replays.corrections.services import events_replace_detected
from replays.models import Clip, Event, Replay
from replays.services import replay_ingest_file, replay_process
from tests.replays.test_detection_job import import_synth_profile

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def match(tmp_path_factory):
    return make_match(
        tmp_path_factory.mktemp("synth"),
        duration_s=10,
        fps=30,
        size=(640, 360),
        kills=(2.0, 6.0),
        deaths=(4.0,),
        allies=(),
        name="labels",
    )


@pytest.fixture
def detected(users, sync_jobs, match):
    version = import_synth_profile(users["team"], match, name="labels")
    replay, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=match.video,
        original_name="labels.mp4",
        move=False,
        profile=version.profile,
    )
    replay.refresh_from_db()
    assert replay.state == "done", replay.failure_reason
    kills = list(replay.events.filter(kind="kill").order_by("frame"))
    death = replay.events.get(kind="death")
    assert len(kills) == 2
    return replay, version, kills, death


def correct(client, replay, event, action, body=None):
    response = client.post(
        f"/replays/{replay.pk}/events/{event.pk}/{action}",
        json.dumps(body or {}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["event"]


def add(client, replay, kind, frame):
    response = client.post(
        f"/replays/{replay.pk}/events/add",
        json.dumps({"kind": kind, "frame": frame}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["event"]


def redetect(replay):
    Replay.objects.filter(pk=replay.pk).update(detected_with=None)  # force a full re-run
    replay_process(replay_id=replay.pk)
    replay.refresh_from_db()
    assert replay.state == "done", replay.failure_reason


def test_corrections_survive_a_redetection(client, users, detected):
    replay, _, (first, second), death = detected
    client.force_login(users["coach"])
    correct(client, replay, first, "reject")
    correct(client, replay, second, "confirm")
    correct(client, replay, death, "move", {"frame": death.frame + 12})
    added = add(client, replay, "kill", 260)
    before = sorted(replay.events.values_list("pk", "kind", "frame", "review"))
    assert len(before) == 4

    redetect(replay)
    redetect(replay)  # and again: nothing piles up

    after = sorted(replay.events.values_list("pk", "kind", "frame", "review"))
    assert after == before  # the same rows, where the coach left them, no re-found duplicates
    found = dict(replay.events.values_list("pk", "found"))
    assert found == {first.pk: True, second.pk: True, death.pk: True, added["id"]: False}
    moved = Event.objects.get(pk=death.pk)
    assert moved.detected_frame == death.frame and moved.frame == death.frame + 12
    # The moved death got a clip around its new frame; the rejected kill keeps its own.
    assert Clip.objects.get(event=moved).file.startswith(f"clips/{replay.pk}/death-{moved.frame}-")
    assert Clip.objects.filter(event_id=added["id"]).exists()


def test_unreviewed_events_are_still_replaced_by_a_redetection(client, users, detected):
    replay, version, (first, second), death = detected
    client.force_login(users["coach"])
    correct(client, replay, first, "confirm")
    redetect(replay)
    assert Event.objects.filter(pk=first.pk).exists()
    # Found again where they were: the same rows, still unreviewed.
    assert set(replay.events.filter(review="").values_list("pk", flat=True)) == {
        second.pk,
        death.pk,
    }
    assert replay.events.count() == 3
    # A run that finds the kill 3 frames later and no death: the kill's row moves (its clip,
    # cut at the old frame, goes), the death's row goes, a kill never seen before is new.
    later = DetectedEvent(
        kind="kill", frame=second.frame + 3, time_s=second.time_s + 0.1, confidence=0.9
    )
    new = DetectedEvent(kind="kill", frame=280, time_s=280 / 30, confidence=0.8)
    replaced = events_replace_detected(replay=replay, version=version, found=[later, new])
    moved = Event.objects.get(pk=second.pk)
    assert (moved.frame, moved.detected_frame, moved.review) == (second.frame + 3,) * 2 + ("",)
    assert not Clip.objects.filter(event=moved).exists()
    assert not Event.objects.filter(pk=death.pk).exists()
    assert {e.pk for e in replaced} == {second.pk, death.pk}
    assert sorted(replay.events.values_list("kind", "frame")) == sorted(
        [("kill", first.frame), ("kill", second.frame + 3), ("kill", 280)]
    )
    assert Event.objects.get(pk=first.pk).found is False  # the confirmed one was not re-found


def test_a_redetection_keeps_the_playlists_and_review_marks_of_refound_events(
    client, users, detected
):
    """A coach's playlist of unreviewed clips, and the marks of the player who reviewed them,
    survive a re-detection (a new profile version) that finds the same events again: before,
    every unreviewed event became a new row and the playlist's items went with the old ones."""
    from coach.playlists import services as playlists

    replay, _, (first, second), death = detected
    playlist = playlists.playlist_create(
        team=users["team"], created_by=users["coach"], title="Deaths", assignee_id=None
    )
    playlists.playlist_add_events(playlist=playlist, event_ids=[first.pk, death.pk], note="look")
    playlists.playlist_mark_reviewed(
        playlist=playlist, event_id=death.pk, user=users["owner"], reviewed=True
    )

    redetect(replay)

    entries = playlists.playlist_entries(playlist, user=users["owner"])
    assert [(e.event.pk, e.reviewed) for e in entries] == [(first.pk, False), (death.pk, True)]


def evaluate(video: Path, profile: Path, labels: Path) -> dict[str, float]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "detectors",
            "evaluate",
            str(video),
            "--profile",
            str(profile),
            "--labels",
            str(labels),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    head = re.search(r"events: (\d+) detected, (\d+) labelled, (\d+) matched", out)
    figures = re.search(r"precision ([\d.]+)  recall ([\d.]+)", out)
    assert head and figures, out
    detected, labelled, matched = map(int, head.groups())
    return {
        "detected": detected,
        "labelled": labelled,
        "matched": matched,
        "precision": float(figures[1]),
        "recall": float(figures[2]),
    }


def test_labels_round_trip_through_detectors_evaluate(client, users, detected, match, tmp_path):
    replay, version, (first, second), death = detected
    client.force_login(users["coach"])
    correct(client, replay, first, "reject")  # a false positive
    correct(client, replay, second, "confirm")  # a hit
    correct(client, replay, death, "move", {"frame": death.frame + 9})  # a hit, 0.3 s later
    add(client, replay, "kill", 240)  # two misses
    add(client, replay, "kill", 275)

    client.force_login(users["owner"])
    labels = tmp_path / "labels.json"
    labels.write_bytes(client.get(f"/replays/{replay.pk}/labels.json").content)
    figures = evaluate(replay.path, match.profile, labels)
    assert figures == {
        "detected": 3,
        "labelled": 4,
        "matched": 2,
        "precision": pytest.approx(2 / 3, abs=1e-3),
        "recall": 0.5,
    }

    # The profile page says the same: its live accuracy from the team's corrections.
    page = client.get(f"/profiles/{version.profile_id}/").content.decode()
    precision = re.search(r'id="precision">([\d.]+)<', page)[1]
    recall = re.search(r'id="recall">([\d.]+)<', page)[1]
    assert (float(precision), float(recall)) == (pytest.approx(2 / 3, abs=1e-3), 0.5)
    assert "2</b> found" in page and "1</b> false (rejected)" in page and "2</b> missed" in page


def test_a_profile_with_only_rejections_has_zero_precision_and_no_recall(client, users, detected):
    replay, version, (first, _), _ = detected
    client.force_login(users["coach"])
    correct(client, replay, first, "reject")
    client.force_login(users["outsider"])
    assert client.get(f"/profiles/{version.profile_id}/").status_code == 404
    client.force_login(users["owner"])
    page = client.get(f"/profiles/{version.profile_id}/").content.decode()
    assert 'id="precision">0.000<' in page and 'id="recall">—<' in page
