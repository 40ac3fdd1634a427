"""Renaming, tagging, filtering and deleting replays; never-analysed replays show no K/D."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from replays.models import Event, GameProfile, ProfileVersion, Replay
from replays.services import replay_ingest_file
from tests.media import make_video


def _teammate(users, django_user_model):
    from coach.models import Membership

    mate = django_user_model.objects.create_user("mate", password="pw-mate-1")
    Membership.objects.create(team=users["team"], user=mate, role=Membership.PLAYER)
    return mate


@pytest.mark.parametrize("who", ["owner", "coach"])
def test_a_team_member_renames_and_tags_a_replay(client, replay, users, who):
    client.force_login(users[who])
    response = client.post(
        f"/replays/{replay.pk}/edit",
        {"title": "  Scrim vs Rivals ", "map": "Streets", "opponent": "Rivals", "game": "Halo"},
    )
    assert response.status_code == 302
    replay.refresh_from_db()
    assert (replay.title, replay.map, replay.opponent, replay.game) == (
        "Scrim vs Rivals",
        "Streets",
        "Rivals",
        "Halo",
    )
    page = client.get(f"/replays/{replay.pk}/").content.decode()
    assert "Scrim vs Rivals" in page and "vs Rivals" in page


def test_it_rejects_an_empty_title_and_keeps_what_was_typed(client, replay, users):
    client.force_login(users["owner"])
    response = client.post(f"/replays/{replay.pk}/edit", {"title": " ", "map": "Docks"})
    assert response.status_code == 400
    assert b"A replay needs a title." in response.content and b'value="Docks"' in response.content
    replay.refresh_from_db()
    assert replay.title == "sample" and replay.map == ""


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("url", ["/replays/{pk}/edit", "/replays/{pk}/delete"])
def test_managing_validates_ownership(client, replay, users, method, url):
    client.force_login(users["outsider"])
    response = getattr(client, method)(url.format(pk=replay.pk), {"title": "x"})
    assert response.status_code == 404
    assert Replay.objects.filter(pk=replay.pk, title="sample").exists()


def test_the_list_filters_by_map_opponent_and_game(client, replay, users, sync_jobs):
    other, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=make_video(Path(settings.MEDIA_ROOT) / "b.mp4", seconds=1.0),
        original_name="second match.mp4",
        move=False,
    )
    Replay.objects.filter(pk=replay.pk).update(map="Streets", opponent="Rivals", game="Halo")
    Replay.objects.filter(pk=other.pk).update(map="Docks", opponent="Rivals", game="Valorant")
    client.force_login(users["coach"])

    def titles(query: str) -> set[str]:
        page = client.get(f"/replays/?{query}").content.decode()
        return {t for t in ("sample", "second match") if f">{t}</a>" in page}

    assert titles("") == {"sample", "second match"}
    assert titles("map=Streets") == {"sample"}
    assert titles("opponent=rivals") == {"sample", "second match"}
    assert titles("game=Valorant") == {"second match"}
    assert titles("map=Streets&game=Valorant") == set()
    assert titles("q=second") == {"second match"}
    page = client.get("/replays/?map=Nowhere").content.decode()
    assert "No replays match these filters" in page
    assert "<option selected>Nowhere</option>" not in page  # unknown values are not invented


def test_the_uploader_sees_a_confirmation_before_deleting(client, replay, users):
    client.force_login(users["owner"])
    page = client.get(f"/replays/{replay.pk}/delete")
    assert page.status_code == 200
    assert b"Delete \xe2\x80\x9csample\xe2\x80\x9d?" in page.content
    assert Replay.objects.filter(pk=replay.pk).exists()  # asking deletes nothing


@pytest.mark.parametrize("who", ["owner", "coach"])
def test_the_uploader_or_the_coach_deletes_a_replay_and_its_files(client, replay, users, who):
    from replays.detection import replay_cut_clips

    Event.objects.create(replay=replay, kind="death", frame=30, time_s=1.0)
    replay_cut_clips(replay)
    clips = Path(settings.MEDIA_ROOT) / "clips" / str(replay.pk)
    assert replay.path.exists() and replay.thumbnail_path.exists() and any(clips.iterdir())
    from coach.notes.services import note_create

    note = note_create(replay=replay, author=users["owner"], frame=3, frame_end=3, text="look")
    exported = Path(settings.MEDIA_ROOT) / "notes" / str(note.pk)
    exported.mkdir(parents=True)
    (exported / "frame.png").write_bytes(b"png")
    client.force_login(users[who])
    response = client.post(f"/replays/{replay.pk}/delete")
    assert response.status_code == 302 and response["Location"] == "/replays/"
    assert not Replay.objects.filter(pk=replay.pk).exists()
    assert not Event.objects.filter(replay_id=replay.pk).exists()
    assert not replay.folder.exists() and not clips.exists() and not exported.exists()


def test_another_player_of_the_team_may_not_delete_it(client, replay, users, django_user_model):
    client.force_login(_teammate(users, django_user_model))
    assert client.get(f"/replays/{replay.pk}/delete").status_code == 403
    response = client.post(f"/replays/{replay.pk}/delete")
    assert response.status_code == 403
    assert b"Only its uploader or the team" in response.content
    assert Replay.objects.filter(pk=replay.pk).exists() and replay.path.exists()
    assert b"/delete" not in client.get(f"/replays/{replay.pk}/").content  # no link offered


def test_the_stored_file_stays_while_another_team_uses_it(client, replay, users, sample_mp4):
    theirs, created = replay_ingest_file(
        team=users["other"],
        uploader=users["outsider"],
        source=sample_mp4,
        original_name="their copy.mp4",
        move=False,
    )
    assert created and theirs.file == replay.file  # one stored file, two teams
    client.force_login(users["coach"])
    page = client.get(f"/replays/{replay.pk}/delete").content.decode()
    assert "the stored file stays for them" in page
    client.post(f"/replays/{replay.pk}/delete")
    assert not Replay.objects.filter(pk=replay.pk).exists()
    assert theirs.path.exists() and theirs.frame_index_path.exists()
    client.force_login(users["outsider"])
    assert client.get(f"/replays/{theirs.pk}/video").status_code == 200
    client.post(f"/replays/{theirs.pk}/delete")  # the last user of the bytes: they go
    assert not theirs.path.exists() and not theirs.folder.exists()


def test_a_failed_upload_can_be_deleted(client, users, sync_jobs):
    junk = Path(settings.MEDIA_ROOT) / "junk.mp4"
    junk.write_bytes(b"this is not a video at all" * 10)
    failed, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=junk,
        original_name="junk.mp4",
        move=False,
    )
    failed.refresh_from_db()
    assert failed.state == Replay.FAILED
    client.force_login(users["owner"])
    assert client.get(f"/replays/{failed.pk}/delete").status_code == 200
    client.post(f"/replays/{failed.pk}/delete")
    assert not Replay.objects.filter(pk=failed.pk).exists() and not failed.path.exists()


def test_a_running_replay_is_not_deleted(client, replay, users):
    Replay.objects.filter(pk=replay.pk).update(state=Replay.RUNNING)
    client.force_login(users["owner"])
    response = client.post(f"/replays/{replay.pk}/delete", follow=True)
    assert b"Not deleted: It is being processed right now" in response.content
    assert Replay.objects.filter(pk=replay.pk).exists() and replay.path.exists()


def test_a_replay_never_analysed_shows_no_kd(client, replay, users):
    assert replay.state == Replay.DONE and replay.detected_with is None
    client.force_login(users["owner"])
    detail = client.get(f"/replays/{replay.pk}/").content.decode()
    assert "Not analysed" in detail and "0.00</b> K/D" not in detail
    listing = client.get("/replays/").content.decode()
    assert "not analysed" in listing and ">0</span> / <span" not in listing
    team = client.get("/replays/teams/owls/").content.decode()
    assert "sample" in team and "0.00" not in team


def _analysed(users, name: str, game: str, kills: int, deaths: int) -> Replay:
    profile, _ = GameProfile.objects.get_or_create(team=users["team"], name=game)
    version, _ = ProfileVersion.objects.get_or_create(
        profile=profile, number=1, defaults={"spec": {}, "version_hash": game, "folder": "p"}
    )
    replay = Replay.objects.create(
        team=users["team"], uploader=users["owner"], title=name, original_name=name,
        sha256=name * 4, size_bytes=1, file=f"replays/{name}/source.mp4", state=Replay.DONE,
        duration_s=60, detected_with=version,
    )  # fmt: skip
    for n in range(kills):
        Event.objects.create(replay=replay, kind="kill", frame=n, time_s=n)
    for n in range(deaths):
        Event.objects.create(replay=replay, kind="death", frame=100 + n, time_s=n)
    return replay


def test_the_team_page_keeps_one_kd_line_per_game(client, users):
    _analysed(users, "halo1", "Halo", kills=6, deaths=2)
    _analysed(users, "halo2", "Halo", kills=2, deaths=2)
    _analysed(users, "val1", "Valorant", kills=1, deaths=4)
    client.force_login(users["coach"])
    response = client.get("/replays/teams/owls/")
    page = response.content.decode()
    assert 'data-game="Halo"' in page and 'data-game="Valorant"' in page
    halo = page[page.index('data-game="Halo"') : page.index('data-game="Valorant"')]
    assert "halo1" in halo and "val1" not in halo and "<b>2.00</b> K/D" in halo  # 8 / 4
    assert "<b>0.25</b> K/D" in page[page.index('data-game="Valorant"') :]
    import json

    chart = json.loads(page.split('id="kd-data" type="application/json">')[1].split("</script>")[0])
    assert [t["name"] for t in chart["data"]] == ["Halo", "Valorant"]
    assert [t["y"] for t in chart["data"]] == [[3.0, 1.0], [0.25]]


def test_only_the_coach_changes_the_clip_window(client, users):
    client.force_login(users["owner"])
    response = client.post("/replays/teams/owls/", {"clip_before_s": 1, "clip_after_s": 1})
    assert response.status_code == 403
    users["team"].refresh_from_db()
    assert users["team"].clip_before_s == settings.FILMROOM_CLIP_BEFORE_S


def test_the_list_sorts_by_date_title_deaths_and_kills(client, users):
    _analysed(users, "bravo", "Halo", kills=1, deaths=5)
    _analysed(users, "alpha", "Halo", kills=4, deaths=2)
    charlie = _analysed(users, "Charlie", "Halo", kills=2, deaths=3)
    charlie.events.filter(kind="death").update(review=Event.REJECTED)  # did not happen: 0 deaths
    client.force_login(users["owner"])

    def order(query: str) -> list[str]:
        page = client.get(f"/replays/?{query}").content.decode()
        return sorted(("alpha", "bravo", "Charlie"), key=lambda t: page.index(f">{t}</a>"))

    assert order("") == ["Charlie", "alpha", "bravo"]  # newest first
    assert order("sort=oldest") == ["bravo", "alpha", "Charlie"]
    assert order("sort=title") == ["alpha", "bravo", "Charlie"]  # whatever the case
    assert order("sort=deaths") == ["bravo", "alpha", "Charlie"]
    assert order("sort=kills") == ["alpha", "Charlie", "bravo"]
    assert order("sort=nonsense") == order("")
    page = client.get("/replays/?sort=kills&q=a").content.decode()
    assert '<option value="kills" selected>' in page  # the menu says the order shown
