"""The notes API: who may see, add, reply to, change, resolve and delete notes, and bad input."""

from __future__ import annotations

import json

import pytest

from coach.models import Note
from coach.notes import services

ARROW = {"type": "arrow", "color": "#ff0000", "points": [[0.1, 0.2], [0.5, 0.6]]}


def post(client, url: str, body: object):
    return client.post(url, json.dumps(body), content_type="application/json")


def patch(client, url: str, body: object):
    return client.patch(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def note(replay, users):
    return services.note_create(
        replay=replay, author=users["owner"], frame=10, text="push #mid", shapes=[ARROW]
    )


def test_the_owner_adds_a_note_with_a_drawing_and_sees_it_listed(client, replay, users):
    client.force_login(users["owner"])
    url = f"/coach/replays/{replay.pk}/notes.json"
    made = post(client, url, {"frame": 12, "frame_end": 20, "text": "rotate", "shapes": [ARROW]})
    assert made.status_code == 201, made.content
    listed = client.get(url).json()["notes"]
    assert [(n["frame"], n["frame_end"], n["text"]) for n in listed] == [(12, 20, "rotate")]
    assert listed[0]["shapes"][0]["points"] == [[0.1, 0.2], [0.5, 0.6]]
    assert listed[0]["shapes"][0]["width"] == pytest.approx(0.006)  # the default filled in
    assert listed[0]["author"] == "owner" and listed[0]["can_edit"]


def test_the_coach_adds_notes_on_the_teams_replays(client, replay, users):
    client.force_login(users["coach"])
    made = post(client, f"/coach/replays/{replay.pk}/notes.json", {"frame": 0, "text": "watch"})
    assert made.status_code == 201
    assert Note.objects.get().author == users["coach"]


def test_an_outsider_gets_404_for_another_teams_replay_and_notes(client, replay, users, note):
    client.force_login(users["outsider"])
    url = f"/coach/replays/{replay.pk}/notes.json"
    assert client.get(url).status_code == 404
    assert post(client, url, {"frame": 1, "text": "mine now"}).status_code == 404
    for response in (
        client.get(f"/coach/notes/{note.pk}"),
        patch(client, f"/coach/notes/{note.pk}", {"text": "hacked"}),
        client.delete(f"/coach/notes/{note.pk}"),
        post(client, f"/coach/notes/{note.pk}/replies", {"text": "hi"}),
        post(client, f"/coach/notes/{note.pk}/resolve", {"resolved": True}),
        client.get(f"/coach/notes/{note.pk}/export.png"),
        client.get(f"/coach/notes/{note.pk}/export.mp4"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]
    note.refresh_from_db()
    assert (note.text, note.resolved, note.replies.count()) == ("push #mid", False, 0)
    assert Note.objects.count() == 1


def test_a_member_does_not_see_another_teams_notes(client, rival_replay, users, replay):
    theirs = services.note_create(
        replay=rival_replay, author=users["outsider"], frame=3, text="secret"
    )
    client.force_login(users["coach"])
    assert client.get(f"/coach/replays/{rival_replay.pk}/notes.json").status_code == 404
    assert client.get(f"/coach/notes/{theirs.pk}").status_code == 404
    assert client.delete(f"/coach/notes/{theirs.pk}").status_code == 404
    assert Note.objects.filter(pk=theirs.pk).exists()


def test_anonymous_users_are_sent_to_log_in(client, replay, note):
    assert client.get(f"/coach/replays/{replay.pk}/notes.json").status_code == 302
    assert client.delete(f"/coach/notes/{note.pk}").status_code == 302


def test_the_author_edits_and_deletes_their_own_note(client, users, note):
    client.force_login(users["owner"])
    edited = patch(client, f"/coach/notes/{note.pk}", {"text": "push #long", "frame_end": 14})
    assert edited.status_code == 200, edited.content
    assert edited.json()["tags"] == ["long"] and edited.json()["frame_end"] == 14
    assert client.delete(f"/coach/notes/{note.pk}").status_code == 200
    assert not Note.objects.exists()


def test_the_coach_edits_and_deletes_a_players_note(client, users, note):
    client.force_login(users["coach"])
    assert patch(client, f"/coach/notes/{note.pk}", {"text": "better"}).status_code == 200
    note.refresh_from_db()
    assert note.text == "better"
    assert client.delete(f"/coach/notes/{note.pk}").status_code == 200
    assert not Note.objects.exists()


def test_another_member_cannot_edit_or_delete_a_note(client, users, note, teammate):
    client.force_login(teammate)
    edited = patch(client, f"/coach/notes/{note.pk}", {"text": "mine"})
    deleted = client.delete(f"/coach/notes/{note.pk}")
    assert edited.status_code == deleted.status_code == 403
    assert "author or the team's coach" in deleted.json()["error"]
    note.refresh_from_db()
    assert note.text == "push #mid"
    listed = client.get(f"/coach/replays/{note.replay_id}/notes.json").json()["notes"]
    assert listed[0]["can_edit"] is False


def test_a_player_cannot_edit_the_coachs_note(client, replay, users):
    coach_note = services.note_create(replay=replay, author=users["coach"], frame=1, text="do")
    client.force_login(users["owner"])
    assert patch(client, f"/coach/notes/{coach_note.pk}", {"text": "no"}).status_code == 403
    assert client.delete(f"/coach/notes/{coach_note.pk}").status_code == 403


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"frame": 1, "shapes": "arrow"}, "shapes must be a list"),
        ({"frame": 1, "shapes": [{"type": "star", "points": []}]}, "type must be one of"),
        ({"frame": 1, "shapes": [{"type": "line", "points": [[0, 0]]}]}, "needs 2 points"),
        ({"frame": 1, "shapes": [{**ARROW, "points": [[0, 0], [1.5, 0]]}]}, "between 0 and 1"),
        ({"frame": 1, "shapes": [{**ARROW, "color": "red"}]}, "#rrggbb"),
        ({"frame": 1, "shapes": [{**ARROW, "onclick": "x"}]}, "unknown fields: onclick"),
        ({"frame": 1, "shapes": [{"type": "text", "points": [[0, 0]]}]}, "needs text"),
        ({"frame": 1, "shapes": [{**ARROW, "width": "thick"}]}, "width must be a number"),
        (
            {"frame": 1, "shapes": [{"type": "rect", "points": [[0.5, 0.5], [0.5, 0.5]]}]},
            "shape 1 (rect) has no size",
        ),
        ({"frame": 1}, "needs text or a drawing"),
        ({"frame": 60, "text": "x"}, "between 0 and 59"),
        ({"frame": "ten", "text": "x"}, "frame must be a whole number"),
        ({"frame": 9, "frame_end": 3, "text": "x"}, "must not be before"),
        ({"frame": 1, "text": "x", "tags": "a b!"}, "characters other than"),
        ([1, 2], "send a JSON object"),
    ],
)
def test_it_rejects_bad_notes_with_a_message(client, replay, users, body, message):
    client.force_login(users["owner"])
    response = post(client, f"/coach/replays/{replay.pk}/notes.json", body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Note.objects.exists()


def test_it_rejects_a_body_that_is_not_json(client, replay, users):
    client.force_login(users["owner"])
    url = f"/coach/replays/{replay.pk}/notes.json"
    response = client.post(url, b"{frame: 1", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "send a JSON object"


def test_a_bad_edit_keeps_the_note_as_it_was(client, users, note):
    client.force_login(users["owner"])
    response = patch(client, f"/coach/notes/{note.pk}", {"shapes": [{"type": "line"}]})
    assert response.status_code == 400 and "shape 1" in response.json()["error"]
    note.refresh_from_db()
    assert note.shapes[0]["type"] == "arrow"


def test_two_editors_of_one_note_the_later_save_does_not_undo_the_earlier(client, users, note):
    client.force_login(users["owner"])
    opened = client.get(f"/coach/notes/{note.pk}").json()["updated_at"]  # tab A and tab B
    first = patch(client, f"/coach/notes/{note.pk}", {"text": "Tab A", "updated_at": opened})
    assert first.status_code == 200
    second = patch(client, f"/coach/notes/{note.pk}", {"text": "Tab B", "updated_at": opened})
    assert second.status_code == 409
    assert "changed by someone else since you began editing" in second.json()["error"]
    note.refresh_from_db()
    assert note.text == "Tab A"
    latest = first.json()["updated_at"]
    again = patch(client, f"/coach/notes/{note.pk}", {"text": "Tab B", "updated_at": latest})
    assert again.status_code == 200 and again.json()["text"] == "Tab B"
    # Without the version (an older client, a script) the save goes through as before.
    assert patch(client, f"/coach/notes/{note.pk}", {"text": "plain"}).status_code == 200


def test_replies_form_a_thread_and_mention_teammates(client, users, note, teammate):
    client.force_login(users["coach"])
    url = f"/coach/notes/{note.pk}/replies"
    reply = post(client, url, {"text": "@mate and @outsider look at this #smoke"})
    assert reply.status_code == 201
    assert reply.json()["mentions"] == ["mate"]  # outsiders are not in the team
    second = post(client, f"/coach/notes/{reply.json()['id']}/replies", {"text": "ok"})
    assert second.status_code == 201
    thread = client.get(f"/coach/replays/{note.replay_id}/notes.json").json()["notes"]
    assert len(thread) == 1
    assert [r["text"] for r in thread[0]["replies"]] == [
        "@mate and @outsider look at this #smoke",
        "ok",
    ]
    assert post(client, url, {"text": "  "}).status_code == 400


def test_any_member_resolves_and_reopens_a_thread(client, users, note, teammate):
    client.force_login(teammate)
    Note.objects.filter(pk=note.pk).update(created_at=note.created_at.replace(year=2020))
    Note.objects.filter(pk=note.pk).update(updated_at=note.created_at.replace(year=2020))
    done = post(client, f"/coach/notes/{note.pk}/resolve", {"resolved": True})
    assert done.status_code == 200 and done.json()["resolved_by"] == "mate"
    assert done.json()["edited"] is False  # resolving is a status, not an edit of the text
    url = f"/coach/replays/{note.replay_id}/notes.json"
    assert client.get(url + "?unresolved=1").json()["notes"] == []
    assert post(client, f"/coach/notes/{note.pk}/resolve", {"resolved": False}).status_code == 200
    assert len(client.get(url + "?unresolved=1").json()["notes"]) == 1
    assert post(client, f"/coach/notes/{note.pk}/resolve", {"resolved": "yes"}).status_code == 400


def test_it_filters_threads_by_author_tag_and_unresolved(client, replay, users, note):
    services.note_create(
        replay=replay, author=users["coach"], frame=30, text="angle", tags=["Peek"]
    )
    later = services.note_create(replay=replay, author=users["coach"], frame=40, text="#mid")
    services.note_set_resolved(note=later, user=users["coach"], resolved=True)
    client.force_login(users["owner"])
    url = f"/coach/replays/{replay.pk}/notes.json"

    def frames(query: str) -> list[int]:
        return [n["frame"] for n in client.get(url + query).json()["notes"]]

    assert frames("") == [10, 30, 40]
    assert frames("?author=coach") == [30, 40]
    assert frames("?tag=mid") == [10, 40]
    assert frames("?tag=%23peek") == [30]
    assert frames("?tag=mid&unresolved=1") == [10]
    everything = client.get(url).json()
    assert everything["authors"] == ["coach", "owner"]
    assert everything["tags"] == ["mid", "peek"]


def test_a_reply_cannot_carry_a_drawing(client, users, note):
    reply = services.note_reply(parent=note, author=users["owner"], text="ok")
    client.force_login(users["owner"])
    response = patch(client, f"/coach/notes/{reply.pk}", {"shapes": [ARROW]})
    assert response.status_code == 400


def test_moving_a_note_moves_its_replies(users, note):
    reply = services.note_reply(parent=note, author=users["coach"], text="yes")
    services.note_update(note=note, user=users["owner"], changes={"frame": 20, "frame_end": 25})
    reply.refresh_from_db()
    assert (reply.frame, reply.frame_end) == (20, 25)


def test_too_many_tags_are_refused_with_a_message_not_a_server_error(client, users, note):
    """A note's tags fit one 500-character column: more (typed as #tags in the text, given as a
    list, in an edit or a reply) is a 400 that says so, not the model's ValidationError (500)."""
    client.force_login(users["owner"])
    many = " ".join(f"#tag{i:03d}" for i in range(100))  # 700 characters of tags
    url = f"/coach/replays/{note.replay_id}/notes.json"
    for response in (
        post(client, url, {"frame": 1, "text": many}),
        post(client, url, {"frame": 1, "text": "x", "tags": [f"t{i:03d}" for i in range(200)]}),
        patch(client, f"/coach/notes/{note.pk}", {"text": many}),
        post(client, f"/coach/notes/{note.pk}/replies", {"text": many}),
    ):
        assert response.status_code == 400, response.content
        assert "too many tags: 100 take 701 characters" in response.json()["error"] or (
            "too many tags: 200" in response.json()["error"]
        )
    assert Note.objects.count() == 1
    note.refresh_from_db()
    assert note.text == "push #mid"
