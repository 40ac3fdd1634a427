"""``manage.py exhibition P1 P2 [--live] [--characters A B] [--best-of N]``: a one-off public match.

Prints, one per line: ``match <id>``, ``watch http://HOST:PORT/matches/<id>/`` and
``ws ws://HOST:PORT/ws/matches/<id>/``. The match is played by the workers of ``serve``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tournaments.matches import MatchError, match_create, match_enqueue, side_from_name


class Command(BaseCommand):
    help = "Starts a one-off public match between two agents or built-in bots."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "p1", help="an agent's name, copycat, or random/cpu_easy/cpu_medium/cpu_hard"
        )
        parser.add_argument("p2", help="the other side, the same way")
        parser.add_argument("--live", action="store_true", help="play at 60 ticks/s, broadcast")
        parser.add_argument("--characters", nargs=2, metavar=("A", "B"), default=["kaito", "brick"])
        parser.add_argument("--best-of", type=int, default=1, help="games in the match (odd)")
        parser.add_argument("--rounds", type=int, default=3, help="rounds per game (odd)")
        parser.add_argument("--round-seconds", type=int, default=99, help="the round timer")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--host", default="127.0.0.1", help="where `serve` listens")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, **options) -> None:
        if options["rounds"] < 1 or options["rounds"] % 2 == 0:
            raise CommandError("--rounds must be odd and at least 1")
        if not 1 <= options["round_seconds"] <= 99:
            raise CommandError("--round-seconds must be between 1 and 99")
        try:
            match = match_create(
                p1=side_from_name(options["p1"]),
                p2=side_from_name(options["p2"]),
                characters=tuple(options["characters"]),
                best_of=options["best_of"],
                live=options["live"],
                public=True,
                kind="exhibition",
                seed=options["seed"],
                max_rounds=options["rounds"],
                round_seconds=options["round_seconds"],
            )
        except MatchError as exc:
            raise CommandError(str(exc)) from exc
        queued = match_enqueue(match)
        where = f"{options['host']}:{options['port']}"
        self.stdout.write(f"match {match.pk}")
        self.stdout.write(f"watch http://{where}/matches/{match.pk}/")
        self.stdout.write(f"ws ws://{where}/ws/matches/{match.pk}/")
        if not queued:
            self.stderr.write("the queue is not running: the match starts with `manage.py serve`")
