"""``manage.py exhibition``: a one-off public match, and where to watch it."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tournaments.models import Match


def test_exhibition_prints_the_match_the_page_and_the_socket(transactional_db, sync_jobs):
    out = io.StringIO()
    call_command(
        "exhibition", "cpu_hard", "random", "--best-of", "3", "--rounds", "1",
        "--round-seconds", "15", "--seed", "3", "--characters", "brick", "kaito", "--port", "8123",
        stdout=out,
    )  # fmt: skip
    match = Match.objects.get()
    assert out.getvalue().splitlines() == [
        f"match {match.pk}",
        f"watch http://127.0.0.1:8123/matches/{match.pk}/",
        f"ws ws://127.0.0.1:8123/ws/matches/{match.pk}/",
    ]
    assert match.public and match.kind == "exhibition" and match.best_of == 3
    assert match.characters == ["brick", "kaito"] and not match.live
    assert match.state == Match.DONE and match.winner == "p1"  # the sync queue played it


def test_exhibition_with_an_agent_by_name_and_live(agent, settings, monkeypatch, tmp_path):
    from django_q.conf import Conf

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    # The queue is down (django-q2 reads its Redis address once, at import: patch it there),
    # whatever REDIS_URL says (`make test-scaleout` runs a real redis-server).
    monkeypatch.setattr(Conf, "REDIS", f"unix://{tmp_path}/no-redis-here.sock")
    out, err = io.StringIO(), io.StringIO()
    call_command("exhibition", "Rookie", "cpu_easy", "--live", stdout=out, stderr=err)
    match = Match.objects.get(kind="exhibition")
    assert match.p1_agent == agent and match.live and match.state == Match.SCHEDULED
    assert out.getvalue().splitlines()[0] == f"match {match.pk}"
    assert "starts with `manage.py serve`" in err.getvalue()
    assert match.task_func == "tournaments.tasks.match_run_task"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "random"], "no ready agent is called 'nobody'"),
        (["random", "cpu_easy", "--best-of", "2"], "best-of must be odd"),
        (["random", "cpu_easy", "--characters", "kaito", "zed"], "unknown character 'zed'"),
    ],
)
def test_exhibition_explains_bad_arguments(transactional_db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("exhibition", *args, stdout=io.StringIO())
    assert not Match.objects.exists()
