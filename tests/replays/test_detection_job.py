"""The replay job with a game profile: events in one transaction, a clip each, re-runs."""

from __future__ import annotations

import json

import av
import pytest

from detectors import DETECTOR_VERSION
from detectors.synth import make_match
from replays.clips import clip_file
from replays.models import Clip, Event, GameProfile, Replay
from replays.profiles.services import (
    profile_import,
    profile_save_version,
    replays_needing_detection,
)
from replays.services import replay_enqueue, replay_ingest_file, replay_process


@pytest.fixture(scope="module")
def match(tmp_path_factory):
    return make_match(
        tmp_path_factory.mktemp("synth"),
        duration_s=14,
        fps=30,
        size=(640, 360),
        kills=(3.0, 8.0),
        deaths=(5.5,),
        allies=(),
        name="feed",
    )


def import_synth_profile(team, match, name="feed"):
    spec = json.loads(match.profile.read_text())
    refs = {ind["reference"] for inds in spec["events"].values() for ind in inds}
    files = {name: (match.profile.parent / name).read_bytes() for name in refs}
    profile = GameProfile.objects.create(team=team, name=name)
    return profile_save_version(profile=profile, spec=spec, files=files)[0]


@pytest.fixture
def detected(users, sync_jobs, match):
    version = import_synth_profile(users["team"], match)
    replay, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=match.video,
        original_name="feed.mp4",
        move=False,
        profile=version.profile,
    )
    replay.refresh_from_db()
    return replay, version


def test_it_finds_each_event_and_makes_a_clip_cut_when_first_opened(detected, match):
    replay, version = detected
    assert replay.state == "done", replay.failure_reason
    got = list(replay.events.values_list("kind", "time_s"))
    truth = [(e.kind, e.time_s) for e in match.events]
    assert [k for k, _ in got] == [k for k, _ in truth]
    for (_, t), (_, true_t) in zip(got, truth, strict=True):
        assert abs(t - true_t) <= 0.25
    assert replay.detected_with == version
    assert replay.detector_version == DETECTOR_VERSION
    assert set(replay.events.values_list("profile_version", flat=True)) == {version.pk}
    events = list(replay.events.select_related("clip"))
    assert events and not any(e.clip.path.exists() for e in events)  # cut when first opened
    for event in events:
        clip = event.clip
        with av.open(str(clip_file(clip))) as opened:
            stream = opened.streams.video[0]
            assert stream.codec_context.name == "h264"
            seconds = float(stream.duration * stream.time_base)
        assert seconds == pytest.approx(clip.end_s - clip.start_s, abs=0.1)
        assert clip.start_s == pytest.approx(max(0, event.time_s - 8.0))
        assert clip.thumbnail_path.stat().st_size > 0


def test_a_repeated_run_replaces_its_own_events_and_keeps_coach_events(detected, users):
    replay, _ = detected
    coach_event = Event.objects.create(
        replay=replay,
        kind="death",
        frame=10,
        time_s=0.33,
        source=Event.COACH,
        created_by=users["coach"],
    )
    before = sorted(replay.events.filter(source="auto").values_list("kind", "frame"))
    clips_before = sorted(Clip.objects.values_list("file", flat=True))
    Replay.objects.filter(pk=replay.pk).update(detected_with=None)  # force a full re-run
    replay_process(replay_id=replay.pk)
    after = sorted(replay.events.filter(source="auto").values_list("kind", "frame"))
    assert after == before
    assert Event.objects.filter(pk=coach_event.pk).exists()
    assert sorted(Clip.objects.filter(event__source="auto").values_list("file", flat=True)) == [
        f for f in clips_before
    ]
    files = sorted(p.name for p in (replay.path.parents[3] / "clips" / str(replay.pk)).iterdir())
    assert len(files) == len(after) + 1  # a jpg per event (auto events + the coach's); no mp4


def test_a_new_profile_version_redetects_only_the_replays_that_used_it(
    detected, users, match, tmp_path
):
    replay, version = detected
    other_match = make_match(
        tmp_path,
        duration_s=6,
        fps=30,
        size=(640, 360),
        kills=(2.0,),
        deaths=(),
        allies=(),
        name="other",
        seed=3,
    )
    other_version = import_synth_profile(users["team"], other_match, name="other")
    other, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=other_match.video,
        original_name="other.mp4",
        move=False,
        profile=other_version.profile,
    )
    other_events = list(other.events.values_list("pk", "frame"))
    assert len(other_events) == 1
    assert replays_needing_detection(version.profile) == []

    spec = {**version.spec, "min_gap_s": 1.5}
    new, created = profile_save_version(profile=version.profile, spec=spec, files={}, base=version)
    assert created and new.number == 2
    same, created_again = profile_save_version(
        profile=version.profile, spec=spec, files={}, base=new
    )
    assert (same, created_again) == (new, False)
    assert replays_needing_detection(version.profile) == [replay]
    assert replays_needing_detection(other_version.profile) == []
    replay_enqueue(replay)
    replay.refresh_from_db()
    assert replay.detected_with == new
    assert set(replay.events.values_list("profile_version", flat=True)) == {new.pk}
    other.refresh_from_db()
    assert other.detected_with == other_version
    assert list(other.events.values_list("pk", "frame")) == other_events


def test_a_broken_profile_fails_the_replay_with_the_reason(users, sync_jobs, match):
    version = import_synth_profile(users["team"], match)
    (version.path / version.spec["events"]["kill"][0]["reference"]).unlink()
    replay, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=match.video,
        original_name="feed.mp4",
        move=False,
        profile=version.profile,
    )
    replay.refresh_from_db()
    assert replay.state == "failed"
    assert replay.failure_reason.startswith("detection failed: ")
    assert replay.path.exists()


def test_profiles_import_from_a_zip_and_reject_bad_json(users, media_root, match):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.write(match.profile, "profile.json")
        for p in match.profile.parent.glob("*.png"):
            z.write(p, p.name)
    version, created = profile_import(
        team=users["team"], name="", upload=buf.getvalue(), filename="feed.zip"
    )
    assert created and version.profile.name == json.loads(match.profile.read_text())["name"]
    from detectors import ProfileError

    with pytest.raises(ProfileError, match="malformed JSON"):
        profile_import(team=users["team"], name="x", upload=b"{nope", filename="x.json")


def test_a_bad_import_leaves_no_empty_profile(users, media_root):
    from detectors import ProfileError

    with pytest.raises(ProfileError):
        profile_import(
            team=users["team"],
            name="broken",
            upload=b'{"name": "x", "events": {}}',
            filename="x.json",
        )
    assert not GameProfile.objects.filter(name="broken").exists()
