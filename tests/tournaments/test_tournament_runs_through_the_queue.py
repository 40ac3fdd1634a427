"""A whole tournament on a real site: Redis, the django-q2 cluster's workers play every game."""

from __future__ import annotations

import re

import pytest

BOTS = ["random", "cpu_easy", "cpu_medium", "cpu_hard"]


@pytest.mark.slow
def test_eight_house_entrants_play_to_a_champion_through_the_queue(live):
    out = live.manage(
        "run_tournament", "--queue", "--format", "single", "--best-of", "1",
        "--name", "Queue cup", "--entrants", *BOTS, *BOTS, "--timeout", "300",
    )  # fmt: skip
    lines = out.splitlines()
    tournament_id = int(lines[0].split()[1])
    champion = re.match(r"champion (.+) \(seed \d+, \w+\)$", lines[1]).group(1)
    assert lines[2] == "standings"
    standings = lines[3:]
    assert [int(row.split(".")[0]) for row in standings] == list(range(1, 9))
    assert standings[0][5:25].strip() == champion
    # Every one of the 7 games was a django-q2 task that a worker finished.
    count = live.manage(
        "shell", "-c",
        "from django_q.models import Success;"
        "print(Success.objects.filter(func='tournaments.tasks.tournament_game_play').count())",
    )  # fmt: skip
    assert count.strip().splitlines()[-1] == "7"
    page = live.request(f"/tournaments/{tournament_id}/").read().decode()  # no login: public
    assert "Finished" in page and "Champion" in page
