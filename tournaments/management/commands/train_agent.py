"""``manage.py train_agent``: a thin wrapper over ``tournaments.agents.train``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tournaments.agents.train import TrainError, add_train_arguments, format_summary, run_training


class Command(BaseCommand):
    help = "Train an arena agent by DQN (vs a CPU bot or by self-play) or by behaviour cloning."

    def add_arguments(self, parser: CommandParser) -> None:
        add_train_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            # The raw stream: OutputWrapper.write would end every '\r' redraw with a newline.
            summary = run_training(options, stream=self.stderr._out)
        except TrainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(format_summary(summary))
