"""Every refusal of a team's member reaches the 403 page through ``coach.refusals.Refused``: the
page says why, the object stays as it was; a user of another team learns nothing of it (404)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from coach.models import Membership


@pytest.fixture
def things(users, replay, django_user_model, tmp_path, settings):
    """A playlist, a replay, an agent and a recording of the team, all the owner's (the
    playlist: the coach's), and ``mate``: another player of the team."""
    from coach.playlists.services import playlist_add_events, playlist_create
    from replays.detection import replay_cut_clips
    from replays.models import Event
    from tests.tournaments.conftest import agent_zip
    from tournaments.models import Dataset
    from tournaments.services import agent_upload

    mate = django_user_model.objects.create_user("mate", password="pw-mate-1")
    Membership.objects.create(team=users["team"], user=mate, role=Membership.PLAYER)
    event = Event.objects.create(replay=replay, kind="death", frame=30, time_s=1.0)
    replay_cut_clips(replay)
    playlist = playlist_create(team=users["team"], created_by=users["coach"], title="Watch these")
    playlist_add_events(playlist=playlist, event_ids=[event.pk])
    settings.FILMROOM_AGENT_EVALUATION_GAMES = 1
    with agent_zip(tmp_path).open("rb") as fh:
        agent = agent_upload(team=users["team"], owner=users["owner"], name="Rookie", upload=fh)
    folder = Path(settings.MEDIA_ROOT) / "datasets" / "refused"
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text("{}")
    dataset = Dataset.objects.create(
        team=users["team"], player=users["owner"], opponent="cpu", characters=[],
        folder="datasets/refused",
    )  # fmt: skip
    return {**users, "mate": mate, "playlist": playlist, "replay": replay, "agent": agent,
            "dataset": dataset}  # fmt: skip


PLAYLIST_CHANGE = "Only the team&#x27;s coach changes its playlists."
# (method, url, the reason the page gives, what must still be there afterwards)
REFUSALS = [
    ("get", "/playlists/{playlist}/edit", PLAYLIST_CHANGE, "playlist"),
    ("post", "/playlists/{playlist}/edit", PLAYLIST_CHANGE, "playlist"),
    ("post", "/playlists/{playlist}/add", PLAYLIST_CHANGE, "playlist"),
    ("post", "/playlists/{playlist}/items/{item}", PLAYLIST_CHANGE, "playlist"),
    ("get", "/playlists/{playlist}/delete", "Only the team&#x27;s coach deletes its playlists.",
     "playlist"),
    ("post", "/playlists/{playlist}/delete", "Only the team&#x27;s coach deletes its playlists.",
     "playlist"),
    ("get", "/replays/{replay}/delete",
     "Only its uploader or the team&#x27;s coach may delete a replay.", "replay"),
    ("post", "/replays/{replay}/delete",
     "Only its uploader or the team&#x27;s coach may delete a replay.", "replay"),
    ("post", "/replays/teams/owls/", "Only the team&#x27;s coaches change its settings.", "team"),
    ("get", "/arena/agents/{agent}/delete",
     "Only the agent&#x27;s owner or the team&#x27;s coach may delete it.", "agent"),
    ("post", "/arena/agents/{agent}/delete",
     "Only the agent&#x27;s owner or the team&#x27;s coach may delete it.", "agent"),
    ("post", "/arena/datasets/{dataset}/delete",
     "Only the person who played it or the team&#x27;s coach may delete a recording.", "dataset"),
]  # fmt: skip
DATA = {
    "title": "renamed", "clip_before_s": "1", "clip_after_s": "1", "action": "remove",
    "note": "mine",
}  # fmt: skip


def _url(url: str, things: dict) -> str:
    return url.format(
        playlist=things["playlist"].pk,
        item=things["playlist"].items.first().pk,
        replay=things["replay"].pk,
        agent=things["agent"].pk,
        dataset=things["dataset"].pk,
    )


def _unchanged(things: dict, what: str) -> bool:
    from coach.playlists.models import Playlist
    from replays.models import Replay
    from tournaments.models import Agent, Dataset

    if what == "playlist":
        return Playlist.objects.filter(pk=things["playlist"].pk, title="Watch these").exists() and (
            things["playlist"].items.count() == 1
        )
    if what == "replay":
        return (
            Replay.objects.filter(pk=things["replay"].pk).exists()
            and things["replay"].path.exists()
        )
    if what == "team":
        things["team"].refresh_from_db()
        return things["team"].clip_before_s == settings.FILMROOM_CLIP_BEFORE_S
    if what == "agent":
        return (
            Agent.objects.filter(pk=things["agent"].pk).exists() and things["agent"].path.exists()
        )
    return (
        Dataset.objects.filter(pk=things["dataset"].pk).exists() and things["dataset"].path.exists()
    )


@pytest.mark.parametrize("method,url,reason,what", REFUSALS)
def test_a_player_of_the_team_is_refused_with_the_reason(client, things, method, url, reason, what):
    client.force_login(things["mate"])
    response = getattr(client, method)(_url(url, things), DATA)
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>You can't do that here</h1>" in page  # the site's 403 page
    assert reason in page and "This needs a role you don" not in page  # why, not the generic text
    assert _unchanged(things, what)


@pytest.mark.parametrize("method,url,reason,what", REFUSALS)
def test_a_user_of_another_team_learns_nothing_of_it(client, things, method, url, reason, what):
    client.force_login(things["outsider"])
    response = getattr(client, method)(_url(url, things), DATA)
    # The team's page of another team: not found either (the team is not theirs to see).
    assert response.status_code == 404
    page = response.content.decode()
    assert "Watch these" not in page and "Rookie" not in page and reason not in page
    assert _unchanged(things, what)


def test_building_a_playlist_is_refused_with_the_reason_to_a_player(client, users):
    for who in ("owner", "outsider"):  # a player of this team, a player of another
        client.force_login(users[who])
        for response in (client.get("/playlists/new"), client.post("/playlists/new", DATA)):
            assert response.status_code == 403
            assert "Only a team&#x27;s coach builds playlists." in response.content.decode()
    from coach.playlists.models import Playlist

    assert not Playlist.objects.exists()


def test_a_coach_of_one_team_may_not_build_for_a_team_they_play_in(client, users):
    """A coach of one team who names a team they only play in: the reason, not a 500."""
    Membership.objects.create(team=users["other"], user=users["owner"], role=Membership.COACH)
    client.force_login(users["owner"])
    response = client.get(f"/playlists/new?team={users['team'].pk}")
    assert response.status_code == 403
    assert "Only a team&#x27;s coach builds playlists." in response.content.decode()
    assert client.get(f"/playlists/new?team={users['other'].pk}").status_code == 200
