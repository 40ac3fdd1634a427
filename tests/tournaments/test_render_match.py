""" "Render to video": a finished match becomes a replay of the team, its K.O.s on the timeline."""

from __future__ import annotations

from replays.models import Replay
from tournaments.matches import match_create, match_run


def test_render_to_video_registers_the_match_as_a_replay_with_its_kos(users, sync_jobs, client):
    match = match_create(p1="cpu_medium", p2="cpu_hard", public=True, seed=12, best_of=3,
                         max_rounds=1, round_seconds=10)  # fmt: skip
    client.force_login(users["owner"])
    early = client.post(f"/matches/{match.pk}/render", {"team": users["team"].pk}, follow=True)
    assert b"Only a finished match can be rendered" in early.content
    done = match_run(match.pk)
    page = client.post(f"/matches/{match.pk}/render", {"team": users["team"].pk}, follow=True)
    assert page.status_code == 200 and b"appears in Owls" in page.content
    replay = Replay.objects.get(team=users["team"])
    assert replay.state == "done" and replay.profile.name == "arena"
    expected, base = [], 0
    for game in done.games:
        for winner, tick in zip(game["round_winners"], game["round_end_ticks"], strict=True):
            if winner != "draw":
                expected.append(("kill" if winner == "p1" else "death", (base + tick) / 60))
        base += game["ticks"]
    events = list(replay.events.order_by("time_s"))
    assert len(expected) >= 2
    assert [e.kind for e in events] == [k for k, _ in expected]
    for event, (_, t) in zip(events, expected, strict=True):
        assert abs(event.time_s - t) <= 0.25


def test_an_outsider_cannot_render_a_private_match(users, client):
    match = match_create(p1="random", p2="random", team=users["team"], seed=1,
                         max_rounds=1, round_seconds=2)  # fmt: skip
    match_run(match.pk)
    client.force_login(users["outsider"])
    response = client.post(f"/matches/{match.pk}/render", {"team": users["other"].pk})
    assert response.status_code == 404
    assert not Replay.objects.exists()
    anonymous = client.__class__()
    assert anonymous.post(f"/matches/{match.pk}/render").status_code == 302  # to the login
