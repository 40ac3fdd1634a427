"""Playlists: a coach builds them, the team plays them, each user marks clips reviewed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coach.models import Membership
from coach.playlists.models import Playlist, PlaylistItem, PlaylistReview
from coach.playlists.services import playlist_add_events, playlist_create
from replays.models import Event, Replay


@pytest.fixture
def events(replay):
    from replays.detection import replay_cut_clips

    made = [
        Event.objects.create(replay=replay, kind=kind, frame=frame, time_s=frame / 30)
        for kind, frame in (("death", 10), ("kill", 30), ("death", 50))
    ]
    replay_cut_clips(replay)
    return made


@pytest.fixture
def playlist(users, events):
    made = playlist_create(
        team=users["team"], created_by=users["coach"], title="Watch these", assignee_id=None
    )
    playlist_add_events(playlist=made, event_ids=[events[2].pk, events[0].pk], note="Too slow")
    return made


VIEWS = [
    ("get", "/playlists/{pk}/"),
    ("get", "/playlists/{pk}/edit"),
    ("post", "/playlists/{pk}/edit"),
    ("post", "/playlists/{pk}/add"),
    ("post", "/playlists/{pk}/items/{item}"),
    ("post", "/playlists/{pk}/reviewed"),
    ("get", "/playlists/{pk}/delete"),
    ("post", "/playlists/{pk}/delete"),
]
COACH_ONLY = {url for method, url in VIEWS} - {"/playlists/{pk}/", "/playlists/{pk}/reviewed"}


def _url(url: str, playlist: Playlist) -> str:
    return url.format(pk=playlist.pk, item=playlist.items.first().pk)


@pytest.mark.parametrize("method,url", VIEWS)
def test_it_validates_ownership(client, playlist, users, method, url):
    client.force_login(users["outsider"])
    response = getattr(client, method)(_url(url, playlist), {"title": "mine", "event": 1})
    assert response.status_code == 404
    assert b"Watch these" not in response.content
    assert Playlist.objects.filter(pk=playlist.pk, title="Watch these").exists()


@pytest.mark.parametrize("method,url", VIEWS)
def test_a_player_plays_but_does_not_build(client, playlist, users, method, url):
    client.force_login(users["owner"])
    data = {"title": "renamed", "event": playlist.items.first().event_id, "reviewed": "1"}
    response = getattr(client, method)(_url(url, playlist), data)
    if url in COACH_ONLY:
        assert response.status_code == 403
        assert Playlist.objects.get(pk=playlist.pk).title == "Watch these"
        assert playlist.items.count() == 2
    else:
        assert response.status_code in (200, 302)


@pytest.mark.parametrize("method,url", VIEWS)
def test_the_coach_gets_in_everywhere(client, playlist, users, method, url):
    client.force_login(users["coach"])
    data = {"title": "renamed", "event": playlist.items.first().event_id, "reviewed": "1"}
    response = getattr(client, method)(_url(url, playlist), data)
    assert response.status_code in (200, 302)


def test_the_list_and_new_pages_answer_by_role(client, playlist, users):
    client.force_login(users["outsider"])
    assert b"Watch these" not in client.get("/playlists/").content
    assert client.get("/playlists/new").status_code == 403
    client.force_login(users["owner"])
    assert b"Watch these" in client.get("/playlists/").content
    assert client.post("/playlists/new", {"title": "x"}).status_code == 403
    client.force_login(users["coach"])
    assert client.get("/playlists/new").status_code == 200
    # A coach of another team, asking for this team (or none): not found, not "only a coach".
    from coach.models import Membership

    Membership.objects.filter(user=users["outsider"]).update(role=Membership.COACH)
    client.force_login(users["outsider"])
    for team in (users["team"].pk, 999999, "abc"):
        assert client.get(f"/playlists/new?team={team}").status_code == 404, team
    assert client.get(f"/playlists/new?team={users['other'].pk}").status_code == 200


def test_a_coach_builds_a_playlist_in_order_with_notes(client, users, events):
    client.force_login(users["coach"])
    response = client.post(
        "/playlists/new",
        {"team": users["team"].pk, "title": "Owner's review", "assignee": users["owner"].pk},
    )
    playlist = Playlist.objects.get(title="Owner's review")
    assert response["Location"] == f"/playlists/{playlist.pk}/edit"
    assert playlist.assignee == users["owner"] and not playlist.smart
    client.post(f"/playlists/{playlist.pk}/add", {"event": [events[1].pk, events[0].pk]})
    client.post(f"/playlists/{playlist.pk}/add", {"event": [events[2].pk, events[1].pk]})
    order = list(playlist.items.values_list("event_id", flat=True))
    assert order == [events[1].pk, events[0].pk, events[2].pk]  # no duplicate, in order
    last = playlist.items.get(event=events[2])
    client.post(f"/playlists/{playlist.pk}/items/{last.pk}", {"action": "up"})
    client.post(f"/playlists/{playlist.pk}/items/{last.pk}", {"note": " Watch the minimap "})
    order = list(playlist.items.values_list("event_id", "note"))
    assert order == [(events[1].pk, ""), (events[2].pk, "Watch the minimap"), (events[0].pk, "")]
    first = playlist.items.get(event=events[1])
    client.post(f"/playlists/{playlist.pk}/items/{first.pk}", {"action": "remove"})
    assert list(playlist.items.values_list("position", flat=True)) == [1, 2]
    page = client.get(f"/playlists/{playlist.pk}/").content.decode()
    assert "Watch the minimap" in page and f"/replays/{events[2].replay_id}/?frame=50" in page
    assert 'aria-keyshortcuts="n"' in page and "<kbd>N</kbd> next clip" in page  # keys shown
    shown = lambda page: page.count(">rejected</span>") - page.count(" hidden>rejected</span>")  # noqa: E731
    assert shown(page) == 0
    # An event rejected after it was added stays in the playlist, marked on both pages.
    Event.objects.filter(pk=events[2].pk).update(review=Event.REJECTED)
    page = client.get(f"/playlists/{playlist.pk}/").content.decode()
    assert shown(page) == 2  # the clip on screen (the first), and its line in the list
    edit = client.get(f"/playlists/{playlist.pk}/edit").content.decode()
    assert edit.count(">rejected</span>") == 1


def test_it_rejects_events_of_another_team(client, users, events, sample_mp4):
    from replays.services import replay_ingest_file

    theirs, _ = replay_ingest_file(
        team=users["other"], uploader=users["outsider"], source=sample_mp4,
        original_name="theirs.mp4", move=False,
    )  # fmt: skip
    foreign = Event.objects.create(replay=theirs, kind="death", frame=5, time_s=0.2)
    playlist = playlist_create(team=users["team"], created_by=users["coach"], title="Mine")
    client.force_login(users["coach"])
    client.post(f"/playlists/{playlist.pk}/add", {"event": [foreign.pk, events[0].pk]})
    assert list(playlist.items.values_list("event_id", flat=True)) == [events[0].pk]


def test_an_id_too_large_for_the_database_is_no_id_not_a_server_error(client, users, events):
    """``event=99999999999999999999`` went into ``pk__in`` and SQLite raised OverflowError (500);
    the clips ticked beside it are still added."""
    from coach.params import id_or_none

    client.force_login(users["coach"])
    made = playlist_create(team=users["team"], created_by=users["coach"], title="Huge")
    url = f"/playlists/{made.pk}/add"
    response = client.post(url, {"event": ["99999999999999999999", events[0].pk]})
    assert response.status_code == 302
    assert list(made.items.values_list("event_id", flat=True)) == [events[0].pk]
    response = client.post(url, {"event": "99999999999999999999"}, follow=True)
    assert b"Tick the clips to add." in response.content
    assert id_or_none(str(2**63 - 1)) == 2**63 - 1 and id_or_none(str(2**63)) is None


def test_a_clip_note_is_at_most_as_long_as_a_frame_note(client, users, events):
    """A clip's note took 100,000 characters, where a note on a frame stops at 5,000: the
    pages cap what is typed, and a longer one sent anyway is refused with a message, the note
    before it kept."""
    client.force_login(users["coach"])
    made = playlist_create(team=users["team"], created_by=users["coach"], title="Notes")
    edit = client.get(f"/playlists/{made.pk}/edit").content.decode()
    assert 'name="note" maxlength="5000"' in edit  # the adding form's note
    client.post(f"/playlists/{made.pk}/add", {"event": [events[0].pk], "note": "Trade it"})
    item = made.items.get()
    assert (
        'name="note" rows="2" maxlength="5000"'
        in client.get(f"/playlists/{made.pk}/edit").content.decode()
    )
    url = f"/playlists/{made.pk}/items/{item.pk}"
    answer = client.post(url, {"note": "x" * 5001}, follow=True).content.decode()
    assert "A clip&#x27;s note is at most 5,000 characters (5,001)." in answer
    item.refresh_from_db()
    assert item.note == "Trade it"
    client.post(url, {"note": "y" * 5000})
    item.refresh_from_db()
    assert item.note == "y" * 5000
    answer = client.post(
        f"/playlists/{made.pk}/add", {"event": [events[1].pk], "note": "z" * 6000}, follow=True
    ).content.decode()
    assert "at most 5,000 characters (6,000)." in answer
    assert made.items.count() == 1


def test_it_keeps_the_form_when_the_title_is_missing(client, users):
    client.force_login(users["coach"])
    response = client.post(
        "/playlists/new", {"team": users["team"].pk, "title": " ", "smart": "1", "map": "Docks"}
    )
    assert response.status_code == 400
    assert b"A playlist needs a title." in response.content and b'value="Docks"' in response.content
    assert not Playlist.objects.exists()


def test_it_refuses_an_assignee_from_another_team(users):
    from coach.playlists.services import PlaylistError

    with pytest.raises(PlaylistError, match="member of the team"):
        playlist_create(
            team=users["team"], created_by=users["coach"], title="x",
            assignee_id=users["outsider"].pk,
        )  # fmt: skip


def test_a_smart_playlist_is_evaluated_when_viewed(client, users, events, django_user_model):
    alice = django_user_model.objects.create_user("alice", password="pw-alice-1")
    Membership.objects.create(team=users["team"], user=alice)
    client.force_login(users["coach"])
    client.post(
        "/playlists/new",
        {"team": users["team"].pk, "title": "Alice's deaths this week", "smart": "1",
         "player": alice.pk, "kind": "death", "days": "7", "assignee": alice.pk},
    )  # fmt: skip
    playlist = Playlist.objects.get(smart=True)
    assert playlist.criteria == {"player": alice.pk, "kind": "death", "days": 7}
    client.force_login(alice)
    assert b"No clips match this filter" in client.get(f"/playlists/{playlist.pk}/").content
    replay = events[0].replay
    Replay.objects.filter(pk=replay.pk).update(uploader=alice)  # now it is Alice's recording
    page = client.get(f"/playlists/{playlist.pk}/").content.decode()
    assert page.count('<li data-index="') == 2 and "kill" not in page.split("pl-items")[1]
    Replay.objects.filter(pk=replay.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    assert b"No clips match this filter" in client.get(f"/playlists/{playlist.pk}/").content


def test_a_smart_playlist_leaves_out_events_the_coach_rejected(users, events):
    from coach.playlists.smart import matching_events

    assert [e.pk for e in matching_events(users["team"], {"kind": "death"})] == [
        events[0].pk,
        events[2].pk,
    ]
    Event.objects.filter(pk=events[0].pk).update(review=Event.REJECTED)
    assert [e.pk for e in matching_events(users["team"], {"kind": "death"})] == [events[2].pk]


@pytest.mark.parametrize(
    "criteria,message",
    [
        ({}, "at least one filter"),
        ({"kind": "assist"}, "kill or death"),
        ({"days": "-3"}, "whole number"),
        ({"date_from": "yesterday"}, "date like"),
        ({"date_from": "2026-11-10", "date_to": "2026-11-01"}, "ends before it starts"),
        ({"profile": "99999"}, "game profiles"),
    ],
)
def test_it_rejects_a_bad_filter_with_a_reason(users, criteria, message):
    from coach.playlists.services import PlaylistError

    with pytest.raises(PlaylistError, match=message):
        playlist_create(team=users["team"], created_by=users["coach"], title="x", criteria=criteria)


def test_each_user_marks_their_own_reviews(client, playlist, users):
    first = playlist.items.first().event_id
    client.force_login(users["owner"])
    response = client.post(
        f"/playlists/{playlist.pk}/reviewed",
        {"event": first, "reviewed": "1"},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {"event": first, "reviewed": True}
    assert PlaylistReview.objects.filter(user=users["owner"], event_id=first).exists()
    home = client.get("/").content.decode()
    assert "Watch these" in home and "1 / 2" in home
    client.force_login(users["coach"])
    assert "0 / 2" in client.get("/").content.decode()  # the coach's own marks
    client.force_login(users["owner"])
    client.post(f"/playlists/{playlist.pk}/reviewed", {"event": first, "reviewed": "0", "at": 0})
    assert not PlaylistReview.objects.exists()


def test_the_coach_sees_how_far_each_player_got(client, playlist, users, django_user_model):
    import re

    from coach.models import Membership

    mate = django_user_model.objects.create_user("mate", password="pw-mate-1")
    Membership.objects.create(team=users["team"], user=mate)
    first = playlist.items.first().event_id
    client.force_login(users["owner"])
    client.post(f"/playlists/{playlist.pk}/reviewed", {"event": first, "reviewed": "1"})
    page = client.get(f"/playlists/{playlist.pk}/").content.decode()
    assert 'id="pl-progress"' not in page  # a player sees their own marks only

    def progress(url: str) -> dict[str, str]:
        html = client.get(url).content.decode()
        found = re.findall(r'data-user="(\w+)"><strong>\w+</strong> <span class="progress-count">'
                           r"([^<]+)</span>", html)  # fmt: skip
        return dict(found)

    client.force_login(users["coach"])
    for url in (f"/playlists/{playlist.pk}/", f"/playlists/{playlist.pk}/edit"):
        assert progress(url) == {"mate": "0 / 2", "owner": "1 / 2"}  # players, not the coach
    Playlist.objects.filter(pk=playlist.pk).update(assignee=mate)
    assert progress(f"/playlists/{playlist.pk}/") == {"mate": "0 / 2"}


def test_marking_a_clip_outside_the_playlist_is_refused(client, playlist, users, events):
    client.force_login(users["owner"])
    response = client.post(
        f"/playlists/{playlist.pk}/reviewed",
        {"event": events[1].pk, "reviewed": "1"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400 and "not in this playlist" in response.json()["error"]


def test_the_dashboard_shows_what_is_assigned_to_the_user(client, users, events, django_user_model):
    mate = django_user_model.objects.create_user("mate", password="pw-mate-1")
    Membership.objects.create(team=users["team"], user=mate)
    playlist_create(team=users["team"], created_by=users["coach"], title="For owner",
                    assignee_id=users["owner"].pk)  # fmt: skip
    playlist_create(team=users["team"], created_by=users["coach"], title="For mate",
                    assignee_id=mate.pk)  # fmt: skip
    playlist_create(team=users["team"], created_by=users["coach"], title="For all")
    client.force_login(users["owner"])
    home = client.get("/").content.decode()
    assert "For owner" in home and "For all" in home and "For mate" not in home
    client.force_login(users["outsider"])
    home = client.get("/").content.decode()
    assert "For owner" not in home and "For all" not in home


def test_deleting_a_playlist_asks_first_and_keeps_the_clips(client, playlist, users):
    client.force_login(users["coach"])
    assert (
        b"Delete \xe2\x80\x9cWatch these\xe2\x80\x9d?"
        in client.get(f"/playlists/{playlist.pk}/delete").content
    )
    assert Playlist.objects.exists()
    client.post(f"/playlists/{playlist.pk}/delete")
    assert not Playlist.objects.exists() and not PlaylistItem.objects.exists()
    assert Event.objects.count() == 3


def test_deleting_a_replay_takes_its_clips_out_of_playlists(client, playlist, users):
    client.force_login(users["coach"])
    replay_id = playlist.items.first().event.replay_id
    client.post(f"/replays/{replay_id}/delete")
    assert Playlist.objects.filter(pk=playlist.pk).exists() and not playlist.items.exists()
    assert b"no clips yet" in client.get(f"/playlists/{playlist.pk}/").content


def test_a_playlist_keeps_its_player_after_they_left_until_a_coach_changes_it(
    client, playlist, users
):
    Playlist.objects.filter(pk=playlist.pk).update(assignee=users["owner"])
    Membership.objects.filter(user=users["owner"], team=users["team"]).delete()
    client.force_login(users["coach"])
    page = client.get(f"/playlists/{playlist.pk}/edit").content.decode()
    assert f'<option value="{users["owner"].pk}" selected>owner (no longer in the team)' in page
    client.post(  # a title change, the For menu as it was shown
        f"/playlists/{playlist.pk}/edit", {"title": "Renamed", "assignee": users["owner"].pk}
    )
    playlist.refresh_from_db()
    assert (playlist.title, playlist.assignee_id) == ("Renamed", users["owner"].pk)
    client.post(f"/playlists/{playlist.pk}/edit", {"title": "Renamed", "assignee": ""})
    playlist.refresh_from_db()
    assert playlist.assignee_id is None
