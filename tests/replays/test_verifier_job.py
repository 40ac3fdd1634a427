"""The verifier's django-q2 job end to end: corrections on generated replays in, a safetensors
file beside the profile version and held-out before/after metrics out, the profile page showing
them, and the replay job using the verifier once it is active."""

from __future__ import annotations

import numpy as np
import pytest
from safetensors import safe_open

from detectors.verifier_synth import make_confuser_match, spaced_times
from replays.models import Event, ProfileVerifier, Replay
from replays.services import replay_ingest_file
from tests.replays.test_detection_job import import_synth_profile


@pytest.fixture(scope="module")
def matches(tmp_path_factory):
    folder = tmp_path_factory.mktemp("verifier-job")
    rng = np.random.default_rng(5)
    out = []
    for n in range(2):
        times = spaced_times(rng, 12, 40.0, 3.2)
        out.append(
            make_confuser_match(
                folder,
                kills=times[0::2],
                rivals=times[1::2],
                duration_s=40.0,
                size=(640, 360),
                name=f"r{n}",
                seed=10 + n,
            )
        )
    out.append(
        make_confuser_match(
            folder, kills=(1.0, 7.0), rivals=(4.0,), duration_s=10, size=(640, 360), name="new"
        )
    )
    return out


def _corrected_replay(users, match, version) -> Replay:
    """A replay 'detected' with the version, its kills confirmed and its rivals rejected."""
    replay, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=match.video,
        original_name=match.video.name,
        move=False,
    )
    replay.refresh_from_db()
    Replay.objects.filter(pk=replay.pk).update(detected_with=version)
    times = replay.frame_times()
    for kind_times, review in ((match.kills, Event.CONFIRMED), (match.rivals, Event.REJECTED)):
        for t in kind_times:
            t = getattr(t, "time_s", t)
            frame = int(np.searchsorted(times, t - 1e-9))
            Event.objects.create(
                replay=replay, kind="kill", frame=frame, time_s=float(times[frame]), review=review
            )
    return replay


def test_the_job_trains_stores_and_uses_a_verifier(client, users, sync_jobs, matches):
    version = import_synth_profile(users["team"], matches[0], name="confusers")
    profile = version.profile
    _corrected_replay(users, matches[0], version)
    client.force_login(users["owner"])
    page = client.get(f"/profiles/{profile.pk}/").content.decode()
    assert "Not enough examples: 8 more corrections needed" in page  # 6 + 6 of 20

    _corrected_replay(users, matches[1], version)
    response = client.post(f"/profiles/{profile.pk}/verifier/train")
    assert response.status_code == 302
    row = ProfileVerifier.objects.get()
    assert row.state == ProfileVerifier.DONE, row.failure_reason
    m = row.metrics
    assert m["after"]["precision"] > m["before"]["precision"], m
    assert m["after"]["recall"] >= m["before"]["recall"], m
    assert row.active
    assert row.weights_path.parent == version.path  # beside the profile version
    with safe_open(str(row.weights_path), framework="pt") as f:
        assert f.metadata()["format"] == "filmroom-verifier"
    page = client.get(f"/profiles/{profile.pk}/").content.decode()
    assert 'data-state="active"' in page
    assert f"{m['after']['precision']:.3f}" in page and f"{m['before']['precision']:.3f}" in page

    new, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=matches[2].video,
        original_name="new.mp4",
        move=False,
        profile=profile,
    )
    new.refresh_from_db()
    assert new.state == "done", new.failure_reason
    kills = [round(t) for t in new.events.filter(kind="kill").values_list("time_s", flat=True)]
    assert 1 in kills and 7 in kills and 4 not in kills  # the rival line is refused


def test_it_refuses_to_train_without_enough_corrections(client, users, sync_jobs, matches):
    version = import_synth_profile(users["team"], matches[0], name="few")
    client.force_login(users["owner"])
    response = client.post(f"/profiles/{version.profile.pk}/verifier/train", follow=True)
    assert "not enough corrections yet: 20 more needed" in response.content.decode()
    assert not ProfileVerifier.objects.exists()


def test_another_teams_profile_answers_404(client, users, sync_jobs, matches):
    version = import_synth_profile(users["team"], matches[0], name="theirs")
    client.force_login(users["outsider"])
    assert client.post(f"/profiles/{version.profile.pk}/verifier/train").status_code == 404
    assert not ProfileVerifier.objects.exists()


@pytest.mark.parametrize(
    ("state", "active", "reason", "text"),
    [
        (ProfileVerifier.QUEUED, False, "", "Queued: training starts when a worker is free."),
        (ProfileVerifier.TRAINING, False, "", "Training on confusers v1"),
        (ProfileVerifier.DONE, False, "", "Trained, but not better than template matching"),
        (ProfileVerifier.DONE, True, "", "Active: detection uses it"),
        (ProfileVerifier.FAILED, False, "cannot open video x.mp4", "Training failed: cannot open"),
        (  # a reason naming a media path shows the file's name alone
            ProfileVerifier.FAILED,
            False,
            "cannot open video /srv/media/replays/3/ab/source.mp4",
            "Training failed: cannot open video source.mp4</p>",
        ),
    ],
)
def test_the_profile_page_says_what_state_the_verifier_is_in(
    client, users, sync_jobs, matches, state, active, reason, text
):
    version = import_synth_profile(users["team"], matches[0], name="confusers")
    ProfileVerifier.objects.create(
        version=version, state=state, active=active, failure_reason=reason
    )
    client.force_login(users["coach"])
    page = client.get(f"/profiles/{version.profile.pk}/").content.decode()
    assert text in page
    assert ('id="train-verifier"' in page) == (state not in ("queued", "training"))
