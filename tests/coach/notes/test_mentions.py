"""@mentions reach the mentioned teammate's dashboard, and only while they are in the team."""

from __future__ import annotations

from coach.models import Membership
from coach.notes import services
from coach.selectors import mentions_for


def test_a_mentioned_teammate_sees_the_note_on_their_dashboard(client, replay, users, teammate):
    note = services.note_create(
        replay=replay, author=users["coach"], frame=7, text="@Mate check the flank"
    )
    reply = services.note_reply(parent=note, author=users["owner"], text="@mate me too")
    assert list(mentions_for(teammate)) == [reply, note]
    assert list(mentions_for(users["owner"])) == []
    client.force_login(teammate)
    page = client.get("/").content.decode()
    assert "@Mate check the flank" in page
    assert f"/replays/{replay.pk}/?note={note.pk}" in page
    client.force_login(users["owner"])
    assert "Nobody has mentioned you" in client.get("/").content.decode()


def test_a_reply_to_your_note_reaches_your_dashboard_without_a_mention(
    client, replay, users, teammate
):
    note = services.note_create(replay=replay, author=users["coach"], frame=7, text="Rotate")
    own = services.note_reply(parent=note, author=users["coach"], text="(and earlier)")
    reply = services.note_reply(parent=note, author=users["owner"], text="plain reply")
    assert list(mentions_for(users["coach"])) == [reply]  # not their own reply
    assert list(mentions_for(teammate)) == []
    assert own.pk
    client.force_login(users["coach"])
    page = client.get("/").content.decode()
    assert "plain reply" in page and "replied to your note" in page
    assert f"/replays/{replay.pk}/?note={note.pk}" in page


def test_mentions_of_people_outside_the_team_are_not_recorded(replay, users):
    note = services.note_create(
        replay=replay, author=users["owner"], frame=1, text="@outsider @nobody look"
    )
    assert list(note.mentions.all()) == []
    assert list(mentions_for(users["outsider"])) == []


def test_a_member_who_left_the_team_no_longer_sees_its_mentions(replay, users, teammate):
    services.note_create(replay=replay, author=users["coach"], frame=1, text="@mate hi")
    Membership.objects.filter(user=teammate).delete()
    assert list(mentions_for(teammate)) == []


def test_the_review_page_has_the_notes_panel(client, replay, users):
    client.force_login(users["owner"])
    page = client.get(f"/replays/{replay.pk}/").content.decode()
    assert 'id="notes"' in page and f"/coach/replays/{replay.pk}/notes.json" in page
    assert "js/notes.js" in page
