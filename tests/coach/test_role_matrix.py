"""The role table, tested as a matrix over every view and websocket route.

Every URL pattern the resolver knows and every websocket route in ``coach.routing`` must have a
row in ``ROUTES`` / ``WEBSOCKETS`` below: a route added without one fails
``test_every_route_is_in_the_role_table``. Each row names the method used and who may use it:

- ``PUBLIC``: anyone, logged in or not.
- ``LOGIN``: any logged-in user (the page shows only their teams' things).
- ``MEMBER``: members of the object's team (player or coach) and staff; an outsider gets 404.
- ``A_COACH``: a user who coaches some team, and staff; anyone else 403 (not about one object).
- ``COACH``: the team's coach and staff; a player gets 403, an outsider 404.
- ``OWNER_OR_COACH``: the object's uploader/owner, the team's coach, staff; another player of the
  team 403; an outsider 404.
- ``UPLOADER``: only the user who started the upload (everyone else 404).
- ``STAFF``: staff only (the Django admin).
- ``MATCH``: a private match of the team: like ``MEMBER``, but anonymous users get 404 too (a
  public match is open to anyone, without a login).

Users: ``owner`` (a player; uploader/owner of the replay, agent, upload), ``mate`` (another
player of the team), ``coach``, ``outsider`` (a player of another team), ``staff`` (no team),
and anonymous. Every request runs in a transaction that is rolled back, so a permitted delete
does not take the object away from the next user.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from tests.sockets import close_code

PUBLIC, LOGIN, MEMBER, COACH = "public", "login", "member", "coach"
A_COACH = "a_coach"
OWNER_OR_COACH, UPLOADER, STAFF = "owner_or_coach", "uploader", "staff"
MATCH = "match"


@dataclass(frozen=True)
class Row:
    method: str
    level: str
    also: tuple[str, ...] = ()  # other methods the view takes, checked the same way


G, P = "get", "post"
ROUTES: dict[str, Row] = {
    # site
    "home": Row(G, LOGIN),
    "healthz": Row(G, PUBLIC),
    "favicon.ico": Row(G, PUBLIC),
    "login": Row(G, PUBLIC),
    "logout": Row(P, PUBLIC, also=(G,)),
    "signup": Row(G, PUBLIC, also=(P,)),
    "join": Row(G, PUBLIC, also=(P,)),
    # teams (members see the list; its coaches rename it, invite, set roles, remove; anyone may
    # leave)
    "teams:list": Row(G, LOGIN),
    "teams:new": Row(P, LOGIN),
    "teams:detail": Row(G, MEMBER),
    "teams:rename": Row(P, COACH, also=(G,)),
    "teams:invite": Row(P, COACH),
    "teams:invite-revoke": Row(P, COACH),
    "teams:member-role": Row(P, COACH),
    "teams:member-remove": Row(P, COACH),
    "teams:leave": Row(P, MEMBER),
    # replays
    "replays:list": Row(G, LOGIN),
    "replays:upload": Row(G, LOGIN),
    "replays:upload-create": Row(P, LOGIN),
    "replays:upload-chunk": Row(G, UPLOADER, also=("put", "delete")),
    "replays:detail": Row(G, MEMBER),
    "replays:status": Row(G, MEMBER),
    "replays:video": Row(G, MEMBER),
    "replays:thumbnail": Row(G, MEMBER),
    "replays:review-video": Row(G, MEMBER),
    "replays:reprocess": Row(P, MEMBER),
    "replays:set-profile": Row(P, MEMBER),
    "replays:frames": Row(G, MEMBER),
    "replays:clip": Row(G, MEMBER),
    "replays:team": Row(G, MEMBER),
    "replays:edit": Row(P, MEMBER),
    "replays:delete": Row(P, OWNER_OR_COACH),
    # event corrections (the team's coach)
    "replays:event-add": Row(P, COACH),
    "replays:event-confirm": Row(P, COACH),
    "replays:event-reject": Row(P, COACH),
    "replays:event-move": Row(P, COACH),
    "replays:labels": Row(G, MEMBER),
    # notes and drawings (any member writes; the author or the coach edits and deletes)
    "coach:replay-notes": Row(P, MEMBER),
    "coach:note": Row("delete", OWNER_OR_COACH),
    "coach:note-replies": Row(P, MEMBER),
    "coach:note-resolve": Row(P, MEMBER),
    "coach:note-export": Row(G, MEMBER),
    # watching matches
    "matches:detail": Row(G, MATCH),
    "matches:frames": Row(G, MATCH),
    "matches:render": Row(P, MEMBER),
    # game profiles (a team's profiles: any member edits them; built-in ones: staff)
    "profiles:list": Row(G, LOGIN),
    "profiles:import": Row(G, LOGIN),
    "profiles:new": Row(G, LOGIN),
    "profiles:new-preview": Row(P, LOGIN),
    "profiles:new-save": Row(P, LOGIN),
    "profiles:frame": Row(G, MEMBER),
    "profiles:discover": Row(P, MEMBER),
    "profiles:detail": Row(G, MEMBER),
    "profiles:edit": Row(G, MEMBER),
    "profiles:preview": Row(P, MEMBER),
    "profiles:save": Row(P, MEMBER),
    "profiles:redetect": Row(P, MEMBER),
    "profiles:verifier-train": Row(P, MEMBER),
    "profiles:export-json": Row(G, MEMBER),
    "profiles:export-zip": Row(G, MEMBER),
    "profiles:reference": Row(G, MEMBER),
    # arena
    "tournaments:agents": Row(G, LOGIN),
    "tournaments:agent-upload": Row(P, LOGIN),
    "tournaments:agent": Row(G, MEMBER),
    "tournaments:agent-download": Row(G, MEMBER),
    "tournaments:agent-delete": Row(P, OWNER_OR_COACH),
    "tournaments:play": Row(G, MEMBER),
    "tournaments:play-house": Row(G, LOGIN),
    # tournaments (a private one: its team; public ones: anyone watches)
    "bracket:list": Row(G, PUBLIC),
    "bracket:leaderboard": Row(G, PUBLIC),
    "bracket:create": Row(P, LOGIN),
    "bracket:detail": Row(G, MATCH),
    "bracket:enter": Row(P, MEMBER),
    "bracket:start": Row(P, MEMBER),
    "bracket:settle": Row(P, MEMBER),
    "bracket:cancel": Row(P, MEMBER, also=(G,)),
    "bracket:delete": Row(P, MEMBER, also=(G,)),
    "tournaments:datasets": Row(G, LOGIN),
    "tournaments:dataset-download": Row(G, MEMBER),
    "tournaments:dataset-delete": Row(P, OWNER_OR_COACH),
    # playlists
    "playlists:list": Row(G, LOGIN),
    "playlists:new": Row(G, A_COACH),
    "playlists:play": Row(G, MEMBER),
    "playlists:edit": Row(P, COACH),
    "playlists:add": Row(P, COACH),
    "playlists:item": Row(P, COACH),
    "playlists:reviewed": Row(P, MEMBER),
    "playlists:delete": Row(P, COACH),
}
# The Django admin: every page under it is for staff (checked on its index).
PREFIX_LEVELS = {"admin/": STAFF}
WEBSOCKETS: dict[str, str] = {
    "ws/play/<str:agent_id>/": MEMBER,
    "ws/replays/<int:replay_id>/": MEMBER,
    "ws/coreview/<int:replay_id>/": MEMBER,
    "ws/matches/<str:match_id>/": MATCH,
    "ws/tournaments/<int:tournament_id>/": MATCH,
}


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            yield (f"{namespace}{p.name}" if p.name else route), route


def all_routes() -> list[tuple[str, str]]:
    return list(_walk(get_resolver().url_patterns))


def test_every_route_is_in_the_role_table():
    missing = [
        f"{key}  ({route})"
        for key, route in all_routes()
        if key not in ROUTES and not route.startswith(tuple(PREFIX_LEVELS))
    ]
    hint = "classify these routes in ROUTES (and the README's role table):\n"
    assert not missing, hint + "\n".join(missing)
    stale = set(ROUTES) - {key for key, _ in all_routes()}
    assert not stale, f"rows for routes that no longer exist: {sorted(stale)}"


def test_every_websocket_route_is_in_the_role_table():
    from coach.routing import websocket_urlpatterns

    routes = {str(p.pattern) for p in websocket_urlpatterns}
    assert routes - set(WEBSOCKETS) == set(), f"classify: {sorted(routes - set(WEBSOCKETS))}"
    assert set(WEBSOCKETS) - routes == set(), f"stale rows: {sorted(set(WEBSOCKETS) - routes)}"


def test_every_level_in_the_table_is_one_the_matrix_knows():
    for row in ROUTES.values():
        for who in WHO:
            _expected(row.level, who)  # raises for a level without rules
        assert row.method in (G, P, "put", "delete") and set(row.also) <= {G, P, "put", "delete"}
    assert set(WEBSOCKETS.values()) <= {MEMBER, MATCH}, "websocket levels: member or match"


# The world every request is made in ----------------------------------------------------------


@pytest.fixture
def world(users, replay, settings, sync_jobs, django_user_model, tmp_path):
    from coach.models import Membership
    from coach.notes.services import note_create
    from coach.playlists.services import playlist_add_events, playlist_create
    from detectors.synth import make_match
    from replays.detection import replay_cut_clips
    from replays.models import Event, GameProfile, Upload
    from replays.profiles.services import profile_save_version
    from tests.tournaments.conftest import agent_zip
    from tournaments.models import Dataset, Match, Tournament
    from tournaments.services import agent_upload

    mate = django_user_model.objects.create_user("mate", password="pw-mate-1")
    Membership.objects.create(team=users["team"], user=mate)
    staff = django_user_model.objects.create_user("staff", password="pw-staff-1", is_staff=True)
    staff.is_superuser = True
    staff.save()
    event = Event.objects.create(replay=replay, kind="death", frame=30, time_s=1.0)
    replay_cut_clips(replay)
    match = make_match(tmp_path / "synth", duration_s=2, size=(320, 180), kills=(1.0,),
                       deaths=(), allies=(), reference_size=(320, 180), name="matrix")  # fmt: skip
    spec = json.loads(match.profile.read_text())
    refs = {i["reference"] for items in spec["events"].values() for i in items}
    profile = GameProfile.objects.create(team=users["team"], name="matrix")
    version, _ = profile_save_version(
        profile=profile, spec=spec, files={r: (match.profile.parent / r).read_bytes() for r in refs}
    )
    settings.FILMROOM_AGENT_EVALUATION_GAMES = 1
    with agent_zip(tmp_path).open("rb") as fh:
        agent = agent_upload(team=users["team"], owner=users["owner"], name="Bot", upload=fh)
    folder = Path(settings.MEDIA_ROOT) / "datasets" / "matrix"
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text("{}")
    dataset = Dataset.objects.create(
        team=users["team"], player=users["owner"], opponent="cpu", characters=[],
        folder="datasets/matrix",
    )  # fmt: skip
    upload = Upload.objects.create(
        team=users["team"], uploader=users["owner"], filename="x.mp4", size_bytes=10
    )
    playlist = playlist_create(team=users["team"], created_by=users["coach"], title="List")
    playlist_add_events(playlist=playlist, event_ids=[event.pk])
    note = note_create(replay=replay, author=users["owner"], frame=10, frame_end=10, text="hi")
    match = Match.objects.filter(p1_agent=agent).first() or Match.objects.get(p2_agent=agent)
    Match.objects.filter(pk=match.pk).update(public=False, team=users["team"])
    cup = Tournament.objects.create(
        team=users["team"], created_by=users["coach"], name="Cup", public=False
    )
    from coach.teams.services import invite_create

    invite = invite_create(team=users["team"], role="player", by=users["coach"])
    return {
        **users,
        "mate": mate,
        "staff": staff,
        "replay": replay,
        "event": event,
        "profile": profile,
        "version": version,
        "reference": sorted(refs)[0],
        "agent": agent,
        "dataset": dataset,
        "upload": upload,
        "playlist": playlist,
        "note": note,
        "match": match,
        "tournament": cup,
        "invite": invite,
    }


def _kwargs(key: str, route: str, w: dict) -> dict:
    from django.urls.resolvers import RoutePattern

    names = RoutePattern(route).converters.keys()
    app = key.split(":")[0]
    pk = {
        "replays": w["replay"].pk,
        "profiles": w["profile"].pk,
        "playlists": w["playlist"].pk,
        "coach": w["note"].pk,
        "matches": w["match"].pk,
        "bracket": w["tournament"].pk,
        "tournaments": w["dataset"].pk if "dataset" in key else w["agent"].pk,
    }.get(app)
    values = {
        "pk": pk,
        "event_id": w["event"].pk,
        "what": "png" if key == "coach:note-export" else "mp4",
        "slug": w["team"].slug,
        "upload_id": w["upload"].pk,
        "item_id": w["playlist"].items.first().pk,
        "replay_id": w["replay"].pk,
        "number": w["version"].number if key == "profiles:reference" else 0,
        "name": "cpu_easy" if key == "tournaments:play-house" else w["reference"],
        "key": "W1-1",
        "invite_id": w["invite"].pk,
        "user_id": w["mate"].pk,
        "token": w["invite"].token,
    }
    return {name: values[name] for name in names}


def _expected(level: str, who: str) -> str:
    """ "ok", "login" (sent to log in), "404" or "403" for a user at a level."""
    if level == PUBLIC:
        return "ok"
    if who == "anonymous":
        return "404" if level == MATCH else "login"
    if level == LOGIN or who == "staff" and level != UPLOADER:
        return "ok"
    if level == STAFF:
        return "denied"
    if level == A_COACH:
        return "ok" if who == "coach" else "403"
    if who == "outsider":
        return "404"
    if level == UPLOADER:
        return "ok" if who == "owner" else "404"
    if level in (MEMBER, MATCH):
        return "ok"
    if level == COACH:
        return "ok" if who == "coach" else "403"
    if level == OWNER_OR_COACH:
        return "ok" if who in ("owner", "coach") else "403"
    raise AssertionError(level)


def _outcome(response) -> str:
    location = response.get("Location", "")
    if response.status_code == 302 and "/login/" in location:
        return "login"
    if response.status_code in (403, 404):
        return str(response.status_code)
    if response.status_code == 405:
        return "405"
    return "ok"


WHO = ("owner", "mate", "coach", "outsider", "staff", "anonymous")


def _url(key: str, route: str, world: dict) -> str:
    from django.urls import reverse

    if ":" in key or key in ("home", "healthz", "login", "logout", "signup", "join"):
        return reverse(key, kwargs=_kwargs(key, route, world))
    return "/" + route


def _request(client, world: dict, who: str, method: str, url: str):
    client.logout()
    if who != "anonymous":
        client.force_login(world[who])
    with transaction.atomic():
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    return response


def test_the_role_matrix_holds_for_every_view(client, world):
    wrong = []
    rows = [(k, r) for k, r in all_routes() if k in ROUTES] + [("admin:index", "admin/")]
    for key, route in rows:
        row = ROUTES.get(key, Row(G, STAFF))
        url = _url(key, route, world)
        for method in (row.method, *row.also):
            for who in WHO:
                response = _request(client, world, who, method, url)
                got, want = _outcome(response), _expected(row.level, who)
                if want == "denied":
                    ok = got in ("403", "404", "login")
                elif key == "logout":  # logging out ends on the login page
                    ok = got in ("ok", "login")
                else:
                    ok = got == want
                if not ok:
                    said = f"{got} ({response.status_code}), table says {want}"
                    wrong.append(f"{method.upper()} {url} as {who}: {said}")
    wrong += _other_methods_open_nothing(client, world)
    assert not wrong, "\n".join(wrong)


# Levels about one object of a team: another method must not open a door the table closes.
OBJECT_LEVELS = (MEMBER, COACH, OWNER_OR_COACH, UPLOADER, MATCH)


def _other_methods_open_nothing(client, world) -> list[str]:
    """A POST-only view asked with GET (and a GET view with POST) by an outsider or anonymous
    visitor: still 404 / the login page (405 where the method is refused before anything).
    Part of the view matrix's test, so the world is built once."""
    wrong = []
    for key, route in all_routes():
        row = ROUTES.get(key)
        if row is None or row.level not in OBJECT_LEVELS:
            continue
        url = _url(key, route, world)
        taken = {row.method, *row.also}
        for method in [m for m in (G, P) if m not in taken]:
            for who in ("outsider", "anonymous"):
                got = _outcome(_request(client, world, who, method, url))
                allowed = {"404", "405"} if who == "outsider" else {"login", "404", "405"}
                if got not in allowed:
                    wrong.append(f"{method.upper()} {url} as {who}: {got}")
    return wrong


# Websockets ----------------------------------------------------------------------------------


def _ws_path(route: str, w: dict) -> str:
    values = {
        "<str:agent_id>": w["agent"].pk,
        "<int:replay_id>": w["replay"].pk,
        "<str:match_id>": w["match"].pk,
        "<int:tournament_id>": w["tournament"].pk,
    }
    for converter, value in values.items():
        route = route.replace(converter, str(value))
    return "/" + route


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


async def _ws_outcome(comm) -> str:
    """ "ok", "4404" for a socket closed with 4404 right after it was accepted, or "refused (…)"
    for one refused at the handshake (see ``tests.sockets.close_code``)."""
    got = await close_code(comm, timeout=0.3)
    return "ok" if got == "open" else str(got)


async def test_the_role_matrix_holds_for_every_websocket(world, in_memory_layer):
    from channels.testing import WebsocketCommunicator
    from django.contrib.auth.models import AnonymousUser

    from coach.asgi import application
    from coach.routing import websocket_urlpatterns

    wrong = []
    for pattern in websocket_urlpatterns:
        route = str(pattern.pattern)
        level = WEBSOCKETS[route]
        for who in WHO:
            comm = WebsocketCommunicator(
                application, _ws_path(route, world), headers=[(b"origin", b"http://localhost")]
            )
            comm.scope["user"] = AnonymousUser() if who == "anonymous" else world[who]
            got = await _ws_outcome(comm)
            want = "ok" if _expected(level, who) == "ok" else "4404"
            if got != want:
                wrong.append(f"{route} as {who}: {got}, table says {level} ({want})")
    assert not wrong, "\n".join(wrong)
