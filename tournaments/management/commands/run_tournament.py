"""``manage.py run_tournament``: a whole tournament from the terminal, with a progress bar."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from coach.models import Team
from tournaments.agents.common import ProgressBar
from tournaments.arena import CHARACTER_NAMES
from tournaments.brackets import Bracket
from tournaments.models import Agent, Tournament, TournamentMatch
from tournaments.tournament_services import (
    HOUSE_BOTS,
    EntrantChoice,
    TournamentError,
    house_agent,
    tournament_create,
    tournament_game_play,
    tournament_pending_games,
    tournament_start,
)


class Command(BaseCommand):
    help = "Run a whole tournament of bots and agents and print the champion and standings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format", default="single", choices=[f for f, _ in Tournament.FORMATS]
        )
        parser.add_argument(
            "--entrants",
            nargs="+",
            required=True,
            help="bots (random cpu_easy cpu_medium cpu_hard), agent names of the team, or "
            "Copycat (the house agent); NAME:CHARACTER picks a character",
        )
        parser.add_argument("--best-of", type=int, default=1)
        parser.add_argument("--name", default="Terminal cup")
        parser.add_argument("--team", default="House", help="organising team (made if missing)")
        parser.add_argument("--third-place", action="store_true")
        parser.add_argument("--no-reset", action="store_true", help="no grand-final reset")
        parser.add_argument("--rounds", type=int, help="Swiss rounds")
        parser.add_argument("--seeding", choices=["rating", "manual"], default="rating")
        parser.add_argument("--ban", nargs="*", default=[], choices=CHARACTER_NAMES)
        parser.add_argument("--private", action="store_true", help="unrated, team-only")
        parser.add_argument(
            "--full-games",
            action="store_true",
            help="best-of-3 rounds of 99 s (default: one 30 s round)",
        )
        parser.add_argument(
            "--live", action="store_true", help="play at 60 ticks/s and broadcast (with --queue)"
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="hand the games to the running site's django-q2 workers instead of playing here",
        )
        parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait (--queue)")

    def handle(self, *args: Any, **o: Any) -> None:
        team, _ = Team.objects.get_or_create(name=o["team"], defaults={"slug": o["team"].lower()})
        try:
            with transaction.atomic():
                tournament = tournament_create(
                    team=team,
                    created_by=None,
                    name=o["name"],
                    format=o["format"],
                    entrants=[self._choice(team, text) for text in o["entrants"]],
                    best_of=o["best_of"],
                    options={
                        "third_place": o["third_place"],
                        "grand_final_reset": not o["no_reset"],
                        "rounds": o["rounds"],
                        "rules": {} if o["full_games"] else {"max_rounds": 1, "round_seconds": 30},
                        "driver": "queue" if o["queue"] else "caller",
                        "live": o["live"],
                    },
                    banned_characters=o["ban"],
                    public=not o["private"],
                    seeding=o["seeding"],
                )
                tournament = tournament_start(tournament=tournament)
        except TournamentError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"tournament {tournament.pk}  /tournaments/{tournament.pk}/")
        bracket = Bracket.from_dict(tournament.bracket)
        bar = ProgressBar(_expected_matches(bracket), label="matches", stream=self.stderr._out)
        deadline = time.monotonic() + o["timeout"]
        while True:
            tournament.refresh_from_db()
            done = TournamentMatch.objects.filter(tournament=tournament, state="done").count()
            bar.update(done, f"{done} played")
            if tournament.state == Tournament.FINISHED:
                break
            if tournament.state == Tournament.CANCELLED:
                bar.close()
                raise CommandError("the tournament was cancelled")
            if o["queue"]:
                if time.monotonic() > deadline:
                    bar.close()
                    raise CommandError(
                        f"the workers did not finish in {o['timeout']:.0f} s; is the site running?"
                    )
                time.sleep(0.2)
            else:
                for match_id in tournament_pending_games(tournament):
                    tournament_game_play(match_id=match_id)
        bar.close()
        self._report(tournament)

    def _choice(self, team: Team, text: str) -> EntrantChoice:
        name, _, character = text.partition(":")
        if name in HOUSE_BOTS:
            return EntrantChoice(f"bot:{name}", character)
        agent = Agent.objects.filter(team=team, name=name).first()
        house = house_agent()
        if agent is None and house is not None and house.name == name:
            agent = house
        if agent is None:
            raise CommandError(f"no bot or agent called {name!r} (bots: {', '.join(HOUSE_BOTS)})")
        return EntrantChoice(f"agent:{agent.pk}", character)

    def _report(self, tournament: Tournament) -> None:
        entrants = {str(e.pk): e for e in tournament.entrants.all()}
        champion = tournament.champion
        self.stdout.write(f"champion {champion.name} (seed {champion.seed}, {champion.character})")
        self.stdout.write("standings")
        for row in Bracket.from_dict(tournament.bracket).standings():
            e = entrants[row["entrant"]]
            self.stdout.write(
                f"{row['place']:>3}. {e.name:<20} {e.character:<8} {row['wins']}-{row['losses']}"
            )


def _expected_matches(bracket: Bracket) -> int:
    """About how many matches the tournament plays (for the progress bar)."""
    n = len(bracket.entrants)
    if bracket.format == "single":
        return n - 1 + (1 if bracket.options.third_place and n >= 4 else 0)
    if bracket.format == "double":
        return 2 * n - 2
    if bracket.format == "round_robin":
        return n * (n - 1) // 2
    return bracket._engine.n_rounds * (n // 2)
