"""A task like the brackets' one, for the live-cluster tests: plays a match through match_run and
records, in the same transaction, that it finished (a unique row: twice would fail)."""

from __future__ import annotations


def run_and_log_finish(match_id: int) -> None:
    from django.contrib.auth.models import Group

    from tournaments.matches import match_run

    match_run(match_id, on_finish=lambda m: Group.objects.create(name=f"finished-{m.pk}"))
