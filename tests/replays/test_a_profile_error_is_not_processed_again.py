"""A replay failed by its profile version's own error (a ``ProfileError``) names that version,
offers no *Process again* with it (it would fail the same way), refuses a stale or crafted one,
and runs again once the profile has a new version or another profile is chosen. Failures that
are not the profile's (a decoder crash) keep *Process again*.
"""

from __future__ import annotations

import json

import pytest

from detectors.synth import make_match
from replays.models import GameProfile, Replay
from replays.profiles.services import (
    profile_redetect,
    profile_save_version,
    replays_needing_detection,
)
from replays.services import replay_ingest_file
from tests.replays.sandbox_children import first_child_crashed

REFUSED = "processing again with it would fail the same way"


@pytest.fixture(scope="module")
def match(tmp_path_factory):
    return make_match(
        tmp_path_factory.mktemp("fault"),
        duration_s=4,
        fps=15,
        size=(320, 180),
        kills=(1.5,),
        deaths=(),
        allies=(),
        name="feed",
    )


def _references(match) -> tuple[dict, dict[str, bytes]]:
    spec = json.loads(match.profile.read_text())
    refs = {ind["reference"] for inds in spec["events"].values() for ind in inds}
    return spec, {name: (match.profile.parent / name).read_bytes() for name in refs}


def _profile(team, match, name: str):
    spec, files = _references(match)
    profile = GameProfile.objects.create(team=team, name=name)
    return profile_save_version(profile=profile, spec=spec, files=files)[0]


def _broken_profile(team, match, name: str = "feed"):
    """A saved version whose reference image went missing: detection with it always fails."""
    version = _profile(team, match, name)
    (version.path / version.spec["events"]["kill"][0]["reference"]).unlink()
    return version


def _ingest(users, match, profile) -> Replay:
    replay, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=match.video,
        original_name="feed.mp4",
        move=False,
        profile=profile,
    )
    replay.refresh_from_db()
    return replay


def _unchanged(replay: Replay) -> tuple:
    replay.refresh_from_db()
    return (
        replay.state,
        replay.attempts,
        replay.failure_reason,
        replay.failed_with_id,
        replay.profile_id,
    )


def test_the_failing_version_is_named_and_not_run_again_until_the_profile_changes(
    client, users, sync_jobs, match
):
    version = _broken_profile(users["team"], match)
    replay = _ingest(users, match, version.profile)
    assert replay.state == Replay.FAILED
    assert replay.failure_reason.startswith("detection failed: ")
    assert replay.failed_with == version
    assert replay.profile_at_fault == version

    client.force_login(users["owner"])
    page = client.get(f"/replays/{replay.pk}/").content.decode()
    assert 'id="job-profile-fault"' in page
    assert "<strong>feed v1</strong> caused this failure" in page
    assert f'href="/profiles/{version.profile_id}/edit/">Edit the profile</a>' in page
    assert f"/replays/{replay.pk}/reprocess" not in page  # no Process again
    assert f'<option value="{version.profile_id}" disabled>' in page
    assert f'<option value="{version.profile_id}" selected' not in page

    # A stale page or a crafted POST, by either route: refused, nothing changed, no 500.
    before = _unchanged(replay)
    for url, data in (
        (f"/replays/{replay.pk}/reprocess", {}),
        (f"/replays/{replay.pk}/profile", {"profile": version.profile_id}),
    ):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert REFUSED in response.content.decode()
        assert _unchanged(replay) == before

    # Re-detecting the profile's replays skips it too.
    assert replays_needing_detection(version.profile) == []
    assert profile_redetect(version.profile, Replay.objects.all()) == 0
    assert _unchanged(replay) == before

    # The profile is fixed: its new version is offered and runs.
    spec, files = _references(match)
    fixed, created = profile_save_version(
        profile=version.profile, spec={**spec, "min_gap_s": 1.5}, files=files, base=version
    )
    assert created and fixed.number == 2
    replay.refresh_from_db()
    assert replay.profile_at_fault is None
    page = client.get(f"/replays/{replay.pk}/").content.decode()
    assert 'id="job-profile-fault"' not in page
    assert f"/replays/{replay.pk}/reprocess" in page
    response = client.post(f"/replays/{replay.pk}/reprocess", follow=True)
    assert "Processing again." in response.content.decode()
    replay.refresh_from_db()
    assert replay.state == Replay.DONE
    assert replay.detected_with == fixed
    assert replay.failed_with is None
    assert replay.events.filter(kind="kill").count() == 1


def test_another_profile_runs_where_the_failing_one_is_refused(client, users, sync_jobs, match):
    broken = _broken_profile(users["team"], match, "broken")
    good = _profile(users["team"], match, "good")
    replay = _ingest(users, match, broken.profile)
    assert replay.profile_at_fault == broken

    client.force_login(users["coach"])
    page = client.get(f"/replays/{replay.pk}/").content.decode()
    assert f'<option value="{good.profile_id}" >good</option>' in page
    response = client.post(
        f"/replays/{replay.pk}/profile", {"profile": good.profile_id}, follow=True
    )
    assert "Detecting with good." in response.content.decode()
    replay.refresh_from_db()
    assert (replay.state, replay.profile, replay.detected_with) == (Replay.DONE, good.profile, good)
    assert replay.failed_with is None


def test_a_decoder_crash_is_not_the_profiles_fault_and_keeps_process_again(
    client, users, sync_jobs, match
):
    version = _profile(users["team"], match, "feed")
    with first_child_crashed() as crashed:
        replay = _ingest(users, match, version.profile)
    assert crashed
    assert replay.state == Replay.FAILED
    assert "the decoder crashed" in replay.failure_reason
    assert replay.failed_with is None and replay.profile_at_fault is None

    client.force_login(users["owner"])
    page = client.get(f"/replays/{replay.pk}/").content.decode()
    assert 'id="job-profile-fault"' not in page
    assert f"/replays/{replay.pk}/reprocess" in page
    assert f'<option value="{version.profile_id}" selected' in page
    client.post(f"/replays/{replay.pk}/reprocess")
    replay.refresh_from_db()
    assert (replay.state, replay.detected_with) == (Replay.DONE, version)


@pytest.mark.parametrize("route", ["reprocess", "profile"])
def test_another_team_cannot_see_or_run_a_replay_failed_by_its_profile(
    client, users, sync_jobs, match, route
):
    version = _broken_profile(users["team"], match)
    replay = _ingest(users, match, version.profile)
    before = _unchanged(replay)
    client.force_login(users["outsider"])
    for response in (
        client.get(f"/replays/{replay.pk}/"),
        client.post(f"/replays/{replay.pk}/{route}", {"profile": version.profile_id}),
    ):
        assert response.status_code == 404
        assert b"caused this failure" not in response.content
        assert replay.title.encode() not in response.content
    assert _unchanged(replay) == before
