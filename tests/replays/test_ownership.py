"""Every replay view and endpoint: the owner and their coach get in, an outsider gets a 404."""

from __future__ import annotations

import pytest

from replays.models import Replay

VIEWS = [
    ("get", "/replays/{pk}/"),
    ("get", "/replays/{pk}/status"),
    ("get", "/replays/{pk}/video"),
    ("get", "/replays/{pk}/thumbnail"),
    ("post", "/replays/{pk}/reprocess"),
    ("post", "/replays/{pk}/profile"),
]


@pytest.mark.parametrize("method,url", VIEWS)
def test_it_validates_ownership(client, replay, users, method, url):
    client.force_login(users["outsider"])
    response = getattr(client, method)(url.format(pk=replay.pk))
    assert response.status_code == 404
    assert replay.title.encode() not in response.content


@pytest.mark.parametrize("who", ["owner", "coach"])
@pytest.mark.parametrize("method,url", VIEWS)
def test_it_lets_the_team_in(client, replay, users, who, method, url):
    client.force_login(users[who])
    response = getattr(client, method)(url.format(pk=replay.pk))
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("method,url", VIEWS + [("get", "/replays/"), ("get", "/")])
def test_it_sends_anonymous_users_to_log_in(client, replay, method, url):
    response = getattr(client, method)(url.format(pk=replay.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_list_shows_only_the_users_teams(client, replay, users):
    client.force_login(users["outsider"])
    assert replay.title.encode() not in client.get("/replays/").content
    assert replay.title.encode() not in client.get("/").content
    assert client.get("/replays/?team=owls").status_code == 404
    client.force_login(users["coach"])
    assert replay.title.encode() in client.get("/replays/?team=owls").content


def test_staff_see_every_team(client, replay, django_user_model):
    staff = django_user_model.objects.create_user("admin", password="pw-admin-1", is_staff=True)
    client.force_login(staff)
    assert client.get(f"/replays/{replay.pk}/").status_code == 200


def test_the_list_is_newest_first_with_state_and_length(client, replay, users, sync_jobs):
    from replays.services import replay_ingest_file
    from tests.media import make_video

    newer, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=make_video(replay.folder.parent / "newer.mp4", seconds=1.0),
        original_name="newer.mp4",
        move=False,
    )
    client.force_login(users["owner"])
    page = client.get("/replays/").content.decode()
    assert page.index("newer") < page.index(replay.title)
    assert "2.0 s" in page and "Done" in page
    assert list(Replay.objects.all()) == [newer, replay]


DETECTION_VIEWS = [
    ("get", "/replays/{pk}/frames.json"),
    ("get", "/replays/{pk}/events/{event}/clip.mp4"),
    ("get", "/replays/{pk}/events/{event}/clip.jpg"),
    ("post", "/replays/{pk}/profile"),
    ("get", "/replays/teams/owls/"),
]


@pytest.fixture
def clipped(replay):
    from replays.detection import replay_cut_clips
    from replays.models import Event

    event = Event.objects.create(replay=replay, kind="death", frame=30, time_s=1.0)
    replay_cut_clips(replay)
    return replay, event


@pytest.mark.parametrize("method,url", DETECTION_VIEWS)
def test_detection_views_validate_ownership(client, clipped, users, method, url):
    replay, event = clipped
    client.force_login(users["outsider"])
    response = getattr(client, method)(url.format(pk=replay.pk, event=event.pk))
    assert response.status_code == 404


@pytest.mark.parametrize("method,url", DETECTION_VIEWS)
def test_detection_views_let_the_coach_in(client, clipped, users, method, url):
    replay, event = clipped
    client.force_login(users["coach"])
    response = getattr(client, method)(url.format(pk=replay.pk, event=event.pk))
    assert response.status_code in (200, 302)


def test_a_404_is_a_page_of_the_site_with_a_way_back(client, replay, users):
    client.force_login(users["outsider"])
    response = client.get(f"/replays/{replay.pk}/")
    assert response.status_code == 404
    assert b"Back to Film Room" in response.content and b"Owls" not in response.content


@pytest.mark.parametrize("what", ["mp4", "jpg"])
def test_a_clip_of_an_event_id_past_any_id_is_a_404_not_a_server_error(
    client, clipped, users, what
):
    """The URL's event id went into a foreign-key lookup, where SQLite raised OverflowError."""
    replay, _ = clipped
    client.force_login(users["coach"])
    response = client.get(f"/replays/{replay.pk}/events/99999999999999999999/clip.{what}")
    assert response.status_code == 404
