"""Live sessions in the database: who may start one, taking over, and a restart's leftovers."""

from __future__ import annotations

import pytest

from coach.coreview import services
from coach.models import LiveSession, LiveSessionMember


def test_it_refuses_a_session_started_by_a_player(users, team_replay):
    with pytest.raises(services.SessionError, match="only the team's coach"):
        services.live_session_start(replay=team_replay, leader=users["owner"], channel_name="a")
    assert not LiveSession.objects.exists()


def test_an_outsider_does_not_see_the_replay_to_review(users, team_replay):
    assert services.replay_for(users["outsider"], team_replay.pk) is None
    assert services.replay_for(users["owner"], team_replay.pk) == team_replay


def test_a_coach_starting_again_takes_over_the_open_session(users, team_replay, django_user_model):
    from coach.models import Membership

    second = django_user_model.objects.create_user("coach2", password="pw-coach-2")
    Membership.objects.create(team=users["team"], user=second, role=Membership.COACH)
    first = services.live_session_start(replay=team_replay, leader=users["coach"], channel_name="a")
    services.live_session_join(replay_id=team_replay.pk, user=users["owner"], channel_name="b")
    taken = services.live_session_start(replay=team_replay, leader=second, channel_name="c")
    first.refresh_from_db()
    assert first.ended_at is not None and taken.ended_at is None
    state = services.session_state(team_replay.pk)
    assert state["leader"]["name"] == "coach2"
    assert [p["name"] for p in state["participants"]] == ["coach2"]  # the others join again


def test_a_restart_ends_the_sessions_left_open(users, team_replay):
    services.live_session_start(replay=team_replay, leader=users["coach"], channel_name="a")
    services.live_session_join(replay_id=team_replay.pk, user=users["owner"], channel_name="b")
    assert services.live_sessions_end_all() == 1
    assert services.session_state(team_replay.pk) is None
    assert not LiveSessionMember.objects.exists()
    with pytest.raises(services.SessionError, match="no live session"):
        services.live_session_join(replay_id=team_replay.pk, user=users["owner"], channel_name="b")
