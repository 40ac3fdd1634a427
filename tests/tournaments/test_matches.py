"""match_run: one runner for site matches, results stored once, forfeits kept, crashes survived."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.contrib.auth.models import Group

from tournaments.arena.runner import MatchResult, replay_result
from tournaments.matches import (
    MatchError,
    match_create,
    match_enqueue,
    match_run,
    matches_requeue_orphans,
    side_from_name,
)
from tournaments.models import Match


def _finish_once(match: Match) -> None:
    # A row with a unique name: calling this twice for one match would raise IntegrityError.
    Group.objects.create(name=f"finished-{match.pk}")


def test_match_run_stores_the_result_and_calls_on_finish_exactly_once(transactional_db):
    match = match_create(p1="cpu_hard", p2="random", seed=3, best_of=3, round_seconds=10)
    assert match.state == Match.SCHEDULED
    done = match_run(match.pk, on_finish=_finish_once)
    assert done.state == Match.DONE and done.winner == "p1" and done.attempts == 1
    assert done.started_at and done.finished_at and done.finished_at >= done.started_at
    again = match_run(match.pk, on_finish=_finish_once)  # a duplicate task: nothing happens
    assert again.attempts == 1
    assert Group.objects.filter(name=f"finished-{match.pk}").count() == 1
    result = MatchResult.from_dict(
        {"seed": done.seed, "players": ["cpu_hard", "random"], "characters": done.characters,
         "best_of": 3, "games": done.games}
    )  # fmt: skip
    assert [g.state_hash() for g in replay_result(result)] == [g["final_hash"] for g in done.games]
    assert done.record == done.games[-1]


def test_a_failing_on_finish_rolls_back_the_result_and_marks_the_match_failed(transactional_db):
    match = match_create(p1="cpu_easy", p2="random", seed=1, round_seconds=3, max_rounds=1)

    def broken(m: Match) -> None:
        Group.objects.create(name="written-then-rolled-back")
        raise RuntimeError("bracket is gone")

    with pytest.raises(RuntimeError):
        match_run(match.pk, on_finish=broken)
    match.refresh_from_db()
    assert match.state == Match.FAILED and "bracket is gone" in match.failure_reason
    assert not Group.objects.filter(name="written-then-rolled-back").exists()
    assert match_run(match.pk, on_finish=_finish_once).state == Match.DONE  # a retry works


def test_an_agent_that_cannot_load_forfeits_and_the_reason_is_stored(agent):
    import shutil

    shutil.rmtree(agent.path)
    match = match_create(p1=agent, p2="cpu_easy", seed=2, round_seconds=5)
    done = match_run(match.pk)
    assert done.winner == "p2"
    assert "Rookie (p1) forfeits at tick 0" in done.forfeit_reason
    assert "could not be loaded" in done.forfeit_reason


def test_a_match_whose_worker_died_is_played_again_and_finishes_once(transactional_db, sync_jobs):
    match = match_create(p1="cpu_medium", p2="cpu_easy", seed=5, round_seconds=5, max_rounds=1)
    dead = subprocess.Popen(["true"])
    dead.wait()
    # What a worker killed mid-match leaves behind: running, its pid, its task.
    Match.objects.filter(pk=match.pk).update(
        state=Match.RUNNING, worker_pid=dead.pid, attempts=1,
        task_func="tournaments.tasks.match_run_task", task_args=[match.pk],
    )  # fmt: skip
    assert matches_requeue_orphans() == 1  # sync jobs: the task runs right here
    match.refresh_from_db()
    assert match.state == Match.DONE and match.attempts == 2 and match.winner
    assert matches_requeue_orphans() == 0


def test_a_match_with_a_live_worker_is_left_to_it(transactional_db):
    import os

    match = match_create(p1="random", p2="random", seed=1)
    Match.objects.filter(pk=match.pk).update(
        state=Match.RUNNING, worker_pid=os.getppid(), task_func="x.y", task_args=[match.pk]
    )
    assert matches_requeue_orphans() == 0
    assert match_run(match.pk).state == Match.RUNNING


def test_the_task_runs_a_scheduled_match(transactional_db, sync_jobs):
    match = match_create(p1="cpu_easy", p2="cpu_hard", seed=8, round_seconds=5, max_rounds=1)
    match_enqueue(match)
    match.refresh_from_db()
    assert match.state == Match.DONE and match.task_func == "tournaments.tasks.match_run_task"


def test_bad_sides_and_characters_get_a_clear_message(transactional_db):
    with pytest.raises(MatchError, match="unknown character 'zed'"):
        match_create(p1="random", p2="random", characters=("zed", "kaito"))
    with pytest.raises(MatchError, match="best-of must be odd"):
        match_create(p1="random", p2="random", best_of=2)
    with pytest.raises(MatchError, match="no ready agent is called 'nobody'"):
        side_from_name("nobody")


def test_the_agents_page_says_how_far_a_failed_game_got_and_why(client, users, agent):
    """A game that started and failed said only "failed". Played to its end but not stored, it
    says its ticks; failed before its first tick (a side it could not build), its reason alone."""
    match = match_create(
        p1=agent, p2="cpu_easy", team=users["team"], kind="exhibition", seed=1,
        round_seconds=3, max_rounds=1,
    )  # fmt: skip

    def broken(m: Match) -> None:
        raise RuntimeError("bracket is gone")

    def row() -> str:
        page = client.get(f"/arena/agents/{agent.pk}/").content.decode()
        found = re.search(rf"<tr>(?:(?!</tr>).)*/matches/{match.pk}/(?:(?!</tr>).)*</tr>", page)
        assert found, page
        return found[0]

    with pytest.raises(RuntimeError):
        match_run(match.pk, on_finish=broken)
    match.refresh_from_db()
    assert match.state == Match.FAILED and match.ticks > 0
    client.force_login(users["owner"])
    assert (
        f'<td class="length">failed after {match.ticks} ticks <span class="failure muted small"'
        ' title="bracket is gone">· bracket is gone</span></td>'
    ) in row()
    # Played again, it fails before it starts: the earlier run's ticks are not kept.
    Match.objects.filter(pk=match.pk).update(p2_label="retired_bot")
    with pytest.raises(ValueError, match="unknown bot"):
        match_run(match.pk)
    match.refresh_from_db()
    assert (match.state, match.ticks) == (Match.FAILED, 0)
    length = re.search(r'<td class="length">(.*?)</td>', row())[1]
    assert length.startswith('failed <span class="failure muted small" title="unknown bot')
    assert "ticks" not in length and "Error" not in length


def test_a_game_that_fails_while_playing_says_how_far_it_got(client, users, agent, monkeypatch):
    """A game that raised mid-play (not a forfeit: the game itself broke at tick 500) said only
    "failed": the run kept its tick count to itself."""
    from tournaments.arena.game import Game

    step = Game.step

    def breaks_at_500(self, *actions):
        if self.tick == 500:
            raise RuntimeError("the fighters' positions went out of the stage at /srv/x/y.py")
        return step(self, *actions)

    monkeypatch.setattr(Game, "step", breaks_at_500)
    match = match_create(
        p1=agent, p2="random", team=users["team"], kind="exhibition", seed=1,
        round_seconds=20, max_rounds=1,
    )  # fmt: skip
    with pytest.raises(RuntimeError, match="out of the stage"):
        match_run(match.pk)
    match.refresh_from_db()
    assert (match.state, match.ticks) == (Match.FAILED, 500)
    client.force_login(users["owner"])
    page = client.get(f"/arena/agents/{agent.pk}/").content.decode()
    assert (
        '<td class="length">failed after 500 ticks <span class="failure muted small" '
        'title="the fighters&#x27; positions went out of the stage at y.py">'
    ) in page
    monkeypatch.undo()  # played again, it runs to its end and the failure's ticks go
    done = match_run(match.pk)
    assert done.state == Match.DONE and done.ticks > 500 and done.attempts == 2
