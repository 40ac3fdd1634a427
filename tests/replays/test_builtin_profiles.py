"""The arena's own profile ships with Film Room and reads its rendered matches."""

from __future__ import annotations

import pytest

from replays.models import GameProfile
from replays.profiles.services import profiles_install_builtin
from replays.services import replay_ingest_file
from tournaments.arena import render_match_video


def test_installing_the_built_in_profiles_twice_makes_one_version(db, media_root):
    first = profiles_install_builtin()
    second = profiles_install_builtin()
    assert [v.pk for v in first] == [v.pk for v in second]
    arena = GameProfile.objects.get(team=None, name="arena")
    assert arena.versions.count() == 1


def test_a_rendered_arena_match_becomes_a_replay_with_its_kos(users, sync_jobs, tmp_path):
    (version,) = profiles_install_builtin()
    video = tmp_path / "match.mp4"
    record = render_match_video(
        video,
        seed=11,
        agents=("cpu_hard", "cpu_easy"),
        round_seconds=20,
        max_rounds=3,
        scale=1,
        fps=30,
    )
    replay, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=video,
        original_name="match.mp4",
        move=False,
        profile=version.profile,
    )
    replay.refresh_from_db()
    assert replay.state == "done", replay.failure_reason
    events = list(replay.events.values_list("kind", "time_s"))
    expected = [
        ("kill" if w == "p1" else "death", t)
        for w, t in zip(record.round_winners, record.round_end_times_s, strict=True)
        if w != "draw"
    ]
    assert [k for k, _ in events] == [k for k, _ in expected]
    for (_, got), (_, true) in zip(events, expected, strict=True):
        assert got == pytest.approx(true, abs=0.25)
