"""Tournament pages and socket: public ones for anyone, private ones for their team only."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from tests.conftest import client_for
from tests.sockets import close_code
from tournaments.models import Tournament
from tournaments.tournament_services import (
    EntrantChoice,
    tournament_broadcast,
    tournament_create,
    tournament_start,
)

BOTS = ["random", "cpu_easy", "cpu_medium", "cpu_hard"]


def make(users, *, public: bool, name: str = "Cup") -> Tournament:
    return tournament_create(
        team=users["team"],
        created_by=users["owner"],
        name=name,
        format="single",
        entrants=[EntrantChoice(f"bot:{b}") for b in BOTS],
        options={"rules": {"max_rounds": 1, "round_seconds": 10}},
        public=public,
    )


def test_a_public_tournament_is_watched_without_a_login(client, users, memory_layer):
    tournament = make(users, public=True)
    assert client.get(tournament.get_absolute_url()).status_code == 200
    page = client.get("/tournaments/").content.decode()
    assert "Cup" in page


def test_a_private_tournament_is_not_found_by_an_outsider_or_a_visitor(client, users, memory_layer):
    tournament = make(users, public=False, name="Secret scrim")
    url = tournament.get_absolute_url()
    assert client.get(url).status_code == 404
    assert "Secret scrim" not in client.get("/tournaments/").content.decode()
    assert client_for(client, users["outsider"]).get(url).status_code == 404
    assert "Secret scrim" not in client.get("/tournaments/").content.decode()
    for member in ("owner", "coach"):
        assert client_for(client, users[member]).get(url).status_code == 200


def test_the_owner_creates_a_tournament_with_house_entrants_and_starts_it(
    client, users, memory_layer
):
    client_for(client, users["owner"])
    response = client.post(
        "/tournaments/new",
        {
            "team": users["team"].pk,
            "name": "Booth cup",
            "format": "double",
            "best_of": "1",
            "public": "on",
            "quick": "on",
            "banned": ["kaito"],
            "entrant": [f"bot:{b}" for b in BOTS],
            "character-bot:random": "brick",
        },
    )
    tournament = Tournament.objects.get(name="Booth cup")
    assert response.status_code == 302 and response["Location"] == tournament.get_absolute_url()
    assert tournament.banned_characters == ["kaito"]
    characters = {e.name: e.character for e in tournament.entrants.all()}
    assert characters["random"] == "brick" and "kaito" not in characters.values()
    client.post(f"/tournaments/{tournament.pk}/start")  # no workers here: the games wait
    tournament.refresh_from_db()
    assert tournament.state == Tournament.RUNNING
    assert tournament.matches.count() == 2


def test_a_banned_pick_is_refused_with_the_reason_and_nothing_is_created(
    client, users, memory_layer
):
    client_for(client, users["owner"])
    response = client.post(
        "/tournaments/new",
        {
            "team": users["team"].pk,
            "name": "Ban test",
            "format": "single",
            "banned": ["kaito"],
            "entrant": ["bot:random", "bot:cpu_easy"],
            "character-bot:random": "kaito",
        },
        follow=True,
    )
    assert "kaito is banned" in response.content.decode()
    assert not Tournament.objects.filter(name="Ban test").exists()


def test_an_outsider_cannot_start_another_teams_tournament(client, users, memory_layer):
    tournament = make(users, public=True)
    client_for(client, users["outsider"])
    assert client.post(f"/tournaments/{tournament.pk}/start").status_code == 404
    tournament.refresh_from_db()
    assert tournament.state == Tournament.DRAFT


def test_another_team_enters_a_public_tournament_but_not_a_private_one(client, users, memory_layer):
    public, private = make(users, public=True), make(users, public=False, name="Scrim")
    client_for(client, users["outsider"])
    form = {"team": users["other"].pk, "entrant": "bot:cpu_hard", "character": ""}
    client.post(f"/tournaments/{public.pk}/enter", form)
    assert public.entrants.filter(team=users["other"]).count() == 1
    assert client.post(f"/tournaments/{private.pk}/enter", form).status_code == 404
    assert private.entrants.count() == 4
    # A visiting team enters at most 8 times (a helper entered 135 bots in 6 s, and the
    # organiser cannot remove entrants).
    for _ in range(10):
        last = client.post(f"/tournaments/{public.pk}/enter", form, follow=True)
    assert public.entrants.filter(team=users["other"]).count() == 8
    assert "8 entries at most per team in another team" in last.content.decode()


def test_a_tournament_takes_128_entrants_at_most(users):
    from tournaments.tournament_services import TournamentError, entrant_add

    cup = make(users, public=True)
    for _ in range(124):
        entrant_add(tournament=cup, team=users["team"], choice=EntrantChoice("bot:random"))
    with pytest.raises(TournamentError, match="this tournament is full: 128 entrants at most"):
        entrant_add(tournament=cup, team=users["team"], choice=EntrantChoice("bot:random"))


def test_the_leaderboard_shows_ratings_and_their_history(client, users, sync_jobs, memory_layer):
    tournament_start(tournament=make(users, public=True))
    page = client.get("/tournaments/leaderboard/").content.decode()
    assert "cpu_hard" in page and 'id="history"' in page


def communicator(tournament_id: int, user):
    from coach.asgi import application

    comm = WebsocketCommunicator(
        application, f"/ws/tournaments/{tournament_id}/", headers=[(b"origin", b"http://localhost")]
    )
    comm.scope["user"] = user
    return comm


async def test_a_visitor_watches_a_public_tournament_socket_and_hears_each_update(
    users, memory_layer
):
    tournament = await database_sync_to_async(make)(users, public=True)
    comm = communicator(tournament.pk, AnonymousUser())
    connected, _ = await comm.connect()
    assert connected
    first = await comm.receive_json_from(timeout=5)
    assert first["type"] == "bracket" and first["tournament"]["state"] == "draft"
    await database_sync_to_async(tournament_start)(tournament=tournament)
    update = await comm.receive_json_from(timeout=5)
    assert update["type"] == "bracket" and update["tournament"]["state"] == "running"
    assert [s["key"] for s in update["bracket"]["slots"] if s["ready"]] == ["W1-1", "W1-2"]
    await comm.disconnect()


async def test_a_private_tournament_socket_is_closed_for_an_outsider_and_a_visitor(
    users, memory_layer
):
    tournament = await database_sync_to_async(make)(users, public=False)
    for user in (users["outsider"], AnonymousUser()):
        assert await close_code(communicator(tournament.pk, user)) == 4404
    comm = communicator(tournament.pk, users["coach"])
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from(timeout=5))["type"] == "bracket"  # on connect
    await database_sync_to_async(tournament_broadcast)(tournament.pk)
    assert (await comm.receive_json_from(timeout=5))["tournament"]["id"] == tournament.pk
    await comm.disconnect()


@pytest.mark.parametrize(
    "typed, said",
    [
        (
            {"rounds": "99999999999999999999"},
            "Swiss rounds must be 1 to 64, not 99999999999999999999",
        ),
        ({"rounds": "-3"}, "Swiss rounds must be 1 to 64, not -3"),
        ({"rounds": "two"}, "Swiss rounds must be a whole number, not &#x27;two&#x27;"),
        ({"seed-bot:random": "abc"}, "a seed must be a whole number, not &#x27;abc&#x27;"),
        ({"seed-bot:random": "1", "seed-bot:cpu_easy": "1"}, "seed 1 is given to two entrants"),
        ({"name": "x" * 5000}, "the name is 5000 characters; 100 at most"),
        ({"best_of": "99999"}, "best of must be 1, 3 or 5, not &#x27;99999&#x27;"),
        ({"best_of": "abc"}, "best of must be 1, 3 or 5, not &#x27;abc&#x27;"),
        ({"best_of": "0"}, "best of must be 1, 3 or 5, not &#x27;0&#x27;"),
    ],
)
def test_bad_numbers_and_names_in_the_form_are_refused_with_the_reason(
    client, users, memory_layer, typed, said
):
    client_for(client, users["owner"])
    form = {
        "team": users["team"].pk,
        "name": "Typed badly",
        "format": "swiss",
        "entrant": ["bot:random", "bot:cpu_easy"],
        **typed,
    }
    response = client.post("/tournaments/new", form)
    assert response.status_code == 400  # the form again, not a redirect that forgets it
    assert f"Tournament not created: {said}" in response.content.decode()
    assert 'value="Typed badly"' in response.content.decode() or "name" in typed
    assert not Tournament.objects.exists()


def test_a_refused_form_comes_back_with_everything_that_was_typed(client, users, memory_layer):
    from html.parser import HTMLParser

    class Form(HTMLParser):
        """What a browser would submit again: text values, ticked boxes, selected options."""

        def __init__(self):
            super().__init__()
            self.values, self.select, self.inside = {}, None, False

        def handle_endtag(self, tag):
            self.inside = self.inside and tag != "form"

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "form":
                self.inside = a.get("class") == "tournament-form"
            elif not self.inside:
                return
            elif tag == "select":
                self.select = a["name"]
            elif tag == "option" and "selected" in a:
                self.values[self.select] = a.get("value", "?")
            elif tag == "input" and a.get("type") == "checkbox":
                if "checked" in a:
                    self.values.setdefault(a["name"], []).append(a.get("value", "on"))
            elif tag == "input" and a.get("value") and a.get("type") != "hidden":
                self.values[a["name"]] = a["value"]

    client_for(client, users["owner"])
    typed = {
        "team": str(users["other"].pk),  # not the owner's team: refused
        "name": "Cup <b>of</b> owls",
        "format": "double",
        "best_of": "3",
        "seeding": "manual",
        "rounds": "5",
        "third_place": "on",
        "public": "on",
        "banned": ["brick"],
        "entrant": ["bot:random", "bot:cpu_hard"],
        "character-bot:random": "brick",
        "seed-bot:cpu_hard": "2",
    }
    first = client.post("/tournaments/new", typed)
    assert first.status_code == 400 and "Choose one of your teams." in first.content.decode()
    typed["team"] = str(users["team"].pk)
    typed["seed-bot:random"] = "2"  # two seeds 2
    again = client.post("/tournaments/new", typed)
    assert again.status_code == 400 and "seed 2 is given to two entrants" in again.content.decode()
    assert "Cup &lt;b&gt;of&lt;/b&gt; owls" in again.content.decode()  # shown as text
    form = Form()
    form.feed(again.content.decode())
    expected = {
        **{k: v for k, v in typed.items() if k not in ("third_place", "public")},
        "third_place": ["on"],
        "public": ["on"],
        "character-bot:cpu_hard": "",  # left to the draw
    }
    assert {k: form.values.get(k, "") for k in expected} == expected
    assert "quick" not in form.values and "live" not in form.values  # unticked stay unticked
    assert not Tournament.objects.exists()


def test_seeding_by_hand_follows_the_seed_numbers_typed_in_the_form(client, users, memory_layer):
    client_for(client, users["owner"])
    client.post(
        "/tournaments/new",
        {
            "team": users["team"].pk,
            "name": "Hand seeded",
            "format": "single",
            "seeding": "manual",
            "entrant": [f"bot:{b}" for b in BOTS],
            "seed-bot:cpu_hard": "1",
            "seed-bot:random": "2",
        },
    )
    tournament = Tournament.objects.get(name="Hand seeded")
    tournament_start(tournament=tournament)
    order = list(tournament.entrants.order_by("seed").values_list("name", flat=True))
    assert order == ["cpu_hard", "random", "cpu_easy", "cpu_medium"]
    tournament.refresh_from_db()
    first = tournament.bracket["entrants"]
    assert [tournament.entrants.get(pk=int(e)).name for e in first][:2] == ["cpu_hard", "random"]


def test_the_organiser_awards_a_failed_match_from_the_page(client, users, memory_layer):
    from tournaments.models import Match, TournamentMatch
    from tournaments.tournament_services import tournament_game_play

    tournament = make(users, public=True)
    tournament_start(tournament=tournament)
    tm = TournamentMatch.objects.filter(tournament=tournament).order_by("key").first()
    Match.objects.filter(pk=tm.match_id).update(p1_label="retired_bot")
    with pytest.raises(ValueError):
        tournament_game_play(match_id=tm.match_id)
    client_for(client, users["owner"])
    page = client.get(f"/tournaments/{tournament.pk}/").content.decode()
    assert "Stopped games" in page and "unknown bot" in page  # the card and the reason
    url = f"/tournaments/{tournament.pk}/matches/{tm.key}/settle"
    shown = client.post(url, {"action": "sideways"}, follow=True).content.decode()
    assert "Nothing changed: choose to play the game again" in shown
    shown = client.post(url, {"action": "p1"}, follow=True).content.decode()
    assert f"{tm.key}: awarded to {tm.entrant1.name} (a walk-over, unrated)" in shown
    tm.refresh_from_db()
    assert tm.state == TournamentMatch.DONE and tm.winner_id == tm.entrant1_id


def test_the_form_addresses_opened_with_get_lead_back_to_their_pages(client, users, memory_layer):
    """After a refused form the address bar shows /tournaments/new; opening it again gave the
    browser's blank 405 page."""
    cup = make(users, public=True)
    client_for(client, users["owner"])
    assert client.get("/tournaments/new")["Location"] == "/tournaments/"
    for action in ("start", "enter", "matches/W1-1/settle"):
        response = client.get(f"/tournaments/{cup.pk}/{action}")
        assert response.status_code == 302 and response["Location"] == f"/tournaments/{cup.pk}/"
    assert client.put(f"/tournaments/{cup.pk}/start").status_code == 405
    cup.refresh_from_db()
    assert cup.state == Tournament.DRAFT  # nothing done


def test_a_swiss_draft_says_how_many_entrants_its_rounds_need(client, users, memory_layer):
    swiss = tournament_create(
        team=users["team"], created_by=users["owner"], name="Swiss", format="swiss",
        entrants=[EntrantChoice(f"bot:{b}") for b in BOTS], options={"rounds": 5},
    )  # fmt: skip
    client_for(client, users["owner"])
    page = client.get(f"/tournaments/{swiss.pk}/").content.decode()
    said = "5 Swiss rounds need at least 9 entrants (no one meets the same opponent twice)"
    assert f"{said}; 4 so far" in page
    shown = client.post(f"/tournaments/{swiss.pk}/start", follow=True).content.decode()
    assert "Not started: 4 entrants can play at most 2 Swiss rounds" in shown


def test_a_tournament_created_with_one_entrant_says_it_cannot_start_yet(
    client, users, memory_layer
):
    client_for(client, users["owner"])
    form = {"team": users["team"].pk, "name": "Solo", "format": "single", "entrant": ["bot:random"]}
    shown = client.post("/tournaments/new", form, follow=True).content.decode()
    assert "Solo created with 1 entrant; it needs at least two to start." in shown


def test_a_match_page_without_javascript_names_the_sides_as_its_socket_does(
    client, users, memory_layer
):
    """A house bot entered four times plays as random, random #2 …: the page's own header (all a
    reader without JavaScript sees) read "random vs random" where the socket named them apart."""
    from asgiref.sync import async_to_sync
    from django.utils.html import escape

    from tests.tournaments.test_spectating import spectator

    cup = tournament_create(
        team=users["team"], created_by=users["owner"], name="Randoms", format="single",
        entrants=[EntrantChoice("bot:random") for _ in range(4)], public=True,
    )  # fmt: skip
    tournament_start(tournament=cup)
    tm = cup.matches.order_by("key").first()

    async def snapshot() -> dict:
        comm = spectator(tm.match_id)
        assert (await comm.connect())[0]
        message = await comm.receive_json_from(timeout=5)
        await comm.disconnect()
        return message

    sent = async_to_sync(snapshot)()["match"]
    p1, p2 = sent["p1"]["name"], sent["p2"]["name"]
    assert p1 != p2 and {p1, p2} <= {e.name for e in cup.entrants.all()}
    page = client.get(f"/matches/{tm.match_id}/").content.decode()
    assert f'id="p1-name">{escape(p1)}</span>' in page
    assert f'id="p2-name">{escape(p2)}</span>' in page
    assert f"<title>{escape(p1)} vs {escape(p2)} · Film Room</title>" in page
