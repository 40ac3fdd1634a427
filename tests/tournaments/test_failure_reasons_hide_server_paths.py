"""A game stopped by an agent file the server cannot open: its team reads why, not where the
server keeps its media (the stored reason keeps the path, for staff and the logs)."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from tournaments.matches import match_create, match_run
from tournaments.models import Match, Tournament, TournamentMatch, readable_reason
from tournaments.tournament_services import EntrantChoice, tournament_create, tournament_start

SHOWN = "Rookie could not be loaded: no agent folder or zip at the agent file"


def _failed_game(users, agent) -> tuple[Tournament, Match]:
    """A tournament whose only game fails: its agent's folder is gone from the media."""
    tournament = tournament_create(
        team=users["team"],
        created_by=users["owner"],
        name="Booth cup",
        format="single",
        entrants=[EntrantChoice(f"agent:{agent.pk}"), EntrantChoice("bot:random")],
        options={"rules": {"max_rounds": 1, "round_seconds": 10}},
    )
    shutil.rmtree(agent.path)
    with pytest.raises(RuntimeError, match="could not be loaded"):  # (sync mode re-raises)
        tournament_start(tournament=tournament)  # django-q2's sync mode plays the game here
    tm = TournamentMatch.objects.get(tournament=tournament)
    return tournament, Match.objects.get(pk=tm.match_id)


def test_the_bracket_and_agent_pages_give_the_reason_without_the_media_path(
    client, users, agent, memory_layer, settings
):
    tournament, match = _failed_game(users, agent)
    assert str(agent.path) in match.failure_reason  # kept whole for staff
    client.force_login(users["owner"])
    page = client.get(f"/tournaments/{tournament.pk}/").content.decode()
    data = re.search(r'id="tournament-data" type="application/json">([^<]*)<', page)[1]
    embedded = json.loads(data)  # what the page's script draws the bracket from
    (slot,) = embedded["matches"].values()
    assert slot["state"] == "failed" and slot["failure"] == SHOWN
    agent_page = client.get(f"/arena/agents/{agent.pk}/").content.decode()
    assert f"· {SHOWN}</span>" in agent_page
    for text in (page, agent_page):
        assert str(settings.MEDIA_ROOT) not in text


async def test_the_tournament_socket_gives_the_reason_without_the_media_path(
    users, agent, memory_layer, settings
):
    from coach.asgi import application

    tournament, _ = await database_sync_to_async(_failed_game)(users, agent)
    comm = WebsocketCommunicator(
        application, f"/ws/tournaments/{tournament.pk}/", headers=[(b"origin", b"http://localhost")]
    )
    comm.scope["user"] = users["coach"]
    connected, _ = await comm.connect()
    assert connected
    raw = await comm.receive_from(timeout=5)
    (slot,) = json.loads(raw)["matches"].values()
    assert slot["failure"] == SHOWN
    assert str(settings.MEDIA_ROOT) not in raw
    await comm.disconnect()


def test_a_forfeit_for_an_agent_that_cannot_load_shows_no_media_path(
    client, users, agent, settings
):
    shutil.rmtree(agent.path)
    match = match_create(
        p1=agent, p2="cpu_easy", team=users["team"], kind="exhibition", seed=2, round_seconds=5
    )
    done = match_run(match.pk)
    assert str(agent.path) in done.forfeit_reason  # kept whole for staff
    client.force_login(users["owner"])
    page = client.get(f"/matches/{match.pk}/").content.decode()
    assert (
        "game 1: Rookie (p1) forfeits at tick 0: raised RuntimeError: could not be loaded: "
        "no agent folder or zip at the agent file"
    ) in page
    assert str(settings.MEDIA_ROOT) not in page


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("", ""),
        (
            "FileNotFoundError: [Errno 2] No such file or directory: "
            "'/srv/filmroom/media/agents/3f2a/weights.safetensors'",
            "No such file or directory: 'weights.safetensors'",
        ),
        ("on finish: OSError: cannot write /var/lib/filmroom/x.db", "cannot write x.db"),
        ("ValueError: unknown bot 'retired_bot'", "unknown bot 'retired_bot'"),
        # Python's own exceptions not named ...Error: their class goes too.
        ("StopIteration: the agent's generator ran dry", "the agent's generator ran dry"),
        ("on finish: KeyboardInterrupt: stopped", "stopped"),
        ("SystemExit: 3", "3"),
        ("GeneratorExit: closed", "closed"),
        ("Exception: boom", "boom"),
        ("RuntimeWarning: overflow in exp", "overflow in exp"),
        ("UserWarning: slow", "slow"),
        ("ExceptionGroup: two failed (2 sub-exceptions)", "two failed (2 sub-exceptions)"),
        # The reasons the site writes itself keep their first words.
        ("abandoned: the web process playing this match stopped before it ended",
         "abandoned: the web process playing this match stopped before it ended"),
        ("not played: the tournament was cancelled", "not played: the tournament was cancelled"),
        ("Warnings: none", "Warnings: none"),
        # A Windows error's number and path, spaces and all.
        ("FileNotFoundError: [WinError 3] The system cannot find the path specified: "
         "'C:\\\\film room\\\\agents\\\\3f2a'",
         "The system cannot find the path specified: 'the agent file'"),
        # Not paths: a rate, two sides, an address, a relative path.
        ("60 ticks/s, p1/p2, https://example.org/a/b, media/x", "60 ticks/s, p1/p2, "
         "https://example.org/a/b, media/x"),
    ],
)  # fmt: skip
def test_readable_reason_keeps_the_words_and_drops_the_paths(stored, shown):
    assert readable_reason(stored) == shown


@pytest.mark.parametrize(
    "exc, shown",
    [
        (RuntimeError(), "the game stopped on an unexplained error"),
        (ValueError(""), "the game stopped on an unexplained error"),
        (Exception("   "), "the game stopped on an unexplained error"),
        (OSError(5, ""), "the game stopped on an unexplained error"),  # "[Errno 5] " only
        (StopIteration(), "the game stopped on an unexplained error"),
        (MemoryError(), "the game stopped: the server ran out of memory"),
        (TimeoutError(), "the game stopped: something it waited for timed out"),
        (KeyboardInterrupt(), "the game stopped: the server process was shut down"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else None,
)
def test_an_exception_without_a_message_reads_as_what_failed(exc, shown):
    """An exception that said nothing left an empty reason: a bracket's failed game, a
    spectator's "Stopped on an error after N ticks." with no why. It says what failed, in words
    (never the class's name); storing the result (``on finish: ``) is named as such."""
    from tournaments.models import error_reason

    stored = error_reason(exc)
    assert readable_reason(stored) == shown
    assert type(exc).__name__ not in readable_reason(stored)
    on_finish = readable_reason(f"on finish: {stored}")
    assert on_finish == shown.replace("the game stopped", "storing the game's result failed")
    assert readable_reason("") == ""  # nothing stored: nothing to say


@pytest.mark.parametrize(
    "exc",
    [
        StopIteration("the agent ran dry"),
        StopAsyncIteration("the agent ran dry"),
        KeyboardInterrupt("the agent ran dry"),
        SystemExit("the agent ran dry"),
        GeneratorExit("the agent ran dry"),
        Exception("the agent ran dry"),
        BaseException("the agent ran dry"),
        RuntimeWarning("the agent ran dry"),
        ExceptionGroup("the agent ran dry", [ValueError("x")]),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_a_game_stopped_by_any_of_pythons_exceptions_reads_without_its_class(exc):
    from tournaments.models import error_reason

    stored = error_reason(exc)
    assert stored.startswith(f"{type(exc).__name__}: ")  # staff keep it
    assert readable_reason(stored).startswith("the agent ran dry")
    assert readable_reason(f"on finish: {stored}").startswith("the agent ran dry")
