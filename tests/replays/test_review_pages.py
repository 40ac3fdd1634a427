"""The replay page's timeline, statistics and events, the frame index endpoint and team trends."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from replays.models import Event, GameProfile
from replays.selectors import replay_stats, team_trends


@pytest.fixture
def events(replay):
    for kind, frame in (("kill", 6), ("death", 15), ("kill", 45), ("death", 51)):
        Event.objects.create(
            replay=replay, kind=kind, frame=frame, time_s=frame / 30, confidence=0.9
        )
    return replay


def test_the_frame_index_endpoint_gives_every_frame_time(client, replay, users):
    client.force_login(users["owner"])
    times = client.get(f"/replays/{replay.pk}/frames.json").json()["times"]
    assert len(times) == replay.frame_count == 60
    assert times[:3] == [0.0, pytest.approx(1 / 30, abs=1e-4), pytest.approx(2 / 30, abs=1e-4)]


def test_the_stats_count_kills_deaths_and_rates(events):
    stats = replay_stats(events)
    assert (stats.kills, stats.deaths) == (2, 2)
    assert stats.kd == 1.0
    assert stats.deaths_per_minute == pytest.approx(2 / (2 / 60))


def test_the_replay_page_shows_stats_events_and_how_to_get_a_timeline(client, events, users):
    client.force_login(users["owner"])
    page = client.get(f"/replays/{events.pk}/").content.decode()
    assert 'id="timeline-data"' not in page  # no detection run yet: the page says what to do
    assert "No detection yet" in page
    assert page.count('class="event"') == 4
    # Events a person added do not make it an analysed replay: no K/D until detection ran.
    assert "Not analysed" in page and "</b> K/D" not in page


def test_an_analysed_replay_shows_its_kills_deaths_and_kd(client, events, users):
    from replays.profiles.services import profiles_install_builtin

    version = profiles_install_builtin()[0]
    type(events).objects.filter(pk=events.pk).update(detected_with=version)
    client.force_login(users["owner"])
    page = client.get(f"/replays/{events.pk}/").content.decode()
    assert "1.00</b> K/D" in page and "Not analysed" not in page


def test_a_rejected_event_counts_nowhere_not_in_the_list_either(client, events, users):
    import re

    from replays.profiles.services import profiles_install_builtin

    version = profiles_install_builtin()[0]
    type(events).objects.filter(pk=events.pk).update(detected_with=version)
    events.events.filter(frame=6).update(review=Event.REJECTED)  # a kill that did not happen
    events.events.filter(frame=51).update(review=Event.CONFIRMED)
    client.force_login(users["owner"])
    detail = client.get(f"/replays/{events.pk}/").content.decode()
    assert "0.50</b> K/D" in detail  # 1 kill, 2 deaths
    for url in ("/replays/", f"/replays/?team={users['team'].slug}"):
        page = client.get(url).content.decode()
        shown = re.findall(r'class="kill">(\d+)</span> / <span class="death">(\d+)', page)
        assert shown == [("1", "2")], url


def test_the_timeline_has_a_lane_per_kind_with_frames(events):
    from replays.charts import timeline_figure

    fig = timeline_figure(events, events.events.all())
    kills, deaths = fig["data"]
    assert list(kills["y"]) == ["Kills", "Kills"] and list(deaths["y"]) == ["Deaths", "Deaths"]
    assert [c[0] for c in deaths["customdata"]] == [15, 51]
    assert "confidence" in kills["hovertemplate"]
    # With no event at all the lanes are still the two named ones (not a numeric 0-4 axis).
    empty = timeline_figure(events, [])
    assert empty["layout"]["yaxis"]["type"] == "category"
    assert list(empty["layout"]["yaxis"]["categoryarray"]) == ["Deaths", "Kills"]


def test_team_trends_cover_only_analysed_replays(events, users):
    assert team_trends(users["team"])["rows"] == []
    profile = GameProfile.objects.create(team=users["team"], name="p")
    from replays.models import ProfileVersion

    version = ProfileVersion.objects.create(
        profile=profile, number=1, spec={}, version_hash="x", folder="profiles/x"
    )
    events.detected_with = version
    events.save()
    trends = team_trends(users["team"])
    assert [(r["kills"], r["deaths"], r["kd"]) for r in trends["rows"]] == [(2, 2, 1.0)]
    assert trends["death_fractions"] == pytest.approx([0.5 / 2, 1.7 / 2])


def test_choosing_a_profile_reruns_detection_with_it(client, replay, users, sync_jobs):
    other_team_profile = GameProfile.objects.create(team=users["other"], name="theirs")
    client.force_login(users["owner"])
    client.post(f"/replays/{replay.pk}/profile", {"profile": other_team_profile.pk})
    replay.refresh_from_db()
    assert replay.profile is None  # another team's profile is not usable
    builtin = GameProfile.objects.create(team=None, name="shipped")
    client.post(f"/replays/{replay.pk}/profile", {"profile": builtin.pk})
    replay.refresh_from_db()
    assert replay.profile == builtin


def test_a_coach_sets_the_clip_window_and_reprocessing_recuts_clips(client, replay, users):
    from replays.clips import clip_file
    from replays.detection import replay_cut_clips

    event = Event.objects.create(replay=replay, kind="death", frame=45, time_s=1.5)
    replay_cut_clips(replay)
    old = clip_file(Event.objects.get(pk=event.pk).clip)  # opened once: cut
    client.force_login(users["owner"])
    client.post("/replays/teams/owls/", {"clip_before_s": "1", "clip_after_s": "0.25"})
    users["team"].refresh_from_db()
    assert users["team"].clip_before_s == 8.0  # players can't
    client.force_login(users["coach"])
    response = client.post("/replays/teams/owls/", {"clip_before_s": "1", "clip_after_s": "0.25"})
    assert response.status_code == 302
    replay.team.refresh_from_db()
    assert (replay.team.clip_before_s, replay.team.clip_after_s) == (1.0, 0.25)
    replay_cut_clips(replay)
    clip = Event.objects.get(pk=event.pk).clip
    assert (clip.start_s, clip.end_s) == (0.5, 1.75)
    assert not old.exists() and clip_file(clip).exists()


@pytest.mark.parametrize("before,after", [("x", "1"), ("-1", "2"), ("0", "0"), ("61", "1")])
def test_bad_clip_settings_are_refused_with_a_message(client, users, before, after):
    client.force_login(users["coach"])
    response = client.post("/replays/teams/owls/", {"clip_before_s": before, "clip_after_s": after})
    page = response.content.decode()
    assert response.status_code == 400 and "The clip settings were not changed." in page
    expected = "cannot both be 0" if before == after == "0" else "Clip lengths must be"
    assert expected in page
    # The form shows what was typed (it showed the saved values, as if they had been taken).
    assert f'name="clip_before_s" min="0" max="60" step="0.5" value="{before}"' in page
    assert f'name="clip_after_s" min="0" max="60" step="0.5" value="{after}"' in page
    users["team"].refresh_from_db()
    assert users["team"].clip_before_s == 8.0


def test_an_odd_profile_id_is_refused_with_a_message(client, replay, users):
    client.force_login(users["owner"])
    response = client.post(f"/replays/{replay.pk}/profile", {"profile": "abc"}, follow=True)
    assert response.status_code == 200
    assert b"Unknown game profile." in response.content


def test_process_again_claims_the_replay_once_when_two_requests_race(
    client, replay, users, settings
):
    """Three Process again POSTs at once started two jobs: each checked the state it had read,
    then queued. The claim is one conditional UPDATE now, whatever the requests read before."""
    from replays.models import Replay
    from replays.services import replay_run_again

    # No queue listens: a claimed replay stays queued (as while a worker has not picked it up).
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False, "redis": "unix:///nonexistent.sock"}
    first, second = Replay.objects.get(pk=replay.pk), Replay.objects.get(pk=replay.pk)
    assert first.state == second.state == Replay.DONE  # both read it as done
    assert replay_run_again(first) is True
    assert replay_run_again(second) is False
    assert Replay.objects.get(pk=replay.pk).state == Replay.QUEUED
    client.force_login(users["owner"])
    page = client.post(f"/replays/{replay.pk}/reprocess", follow=True).content.decode()
    assert "already being processed" in page and "Processing again." not in page
    builtin = GameProfile.objects.create(team=None, name="shipped")
    page = client.post(f"/replays/{replay.pk}/profile", {"profile": builtin.pk}, follow=True)
    assert "Wait for the current run" in page.content.decode()
    assert Replay.objects.get(pk=replay.pk).profile is None  # not changed under a queued job


def test_the_kd_chart_of_one_replay_counts_in_days_not_milliseconds():
    from datetime import datetime

    from replays.charts import kd_trend_figure

    when = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
    row = {
        "created_at": when.isoformat(),
        "kd": 1.5,
        "kills": 3,
        "deaths": 2,
        "title": "one",
        "game": "x",
    }
    xaxis = kd_trend_figure([row])["layout"]["xaxis"]
    assert xaxis["dtick"] == 86_400_000 and xaxis["tickformat"] == "%b %-d"
    first, last = (datetime.fromisoformat(str(t)) for t in xaxis["range"])
    assert last - first == timedelta(days=2)
    many = [{**row, "created_at": (when - timedelta(days=d)).isoformat()} for d in (0, 30)]
    assert "dtick" not in kd_trend_figure(many)["layout"]["xaxis"]  # a month: Plotly's own ticks
