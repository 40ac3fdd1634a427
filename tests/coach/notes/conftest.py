"""Fixtures for the coaching tests: a teammate of the owner, and a replay of another team."""

from __future__ import annotations

import pytest

from tests.conftest import ingest_replay


@pytest.fixture
def teammate(users, django_user_model):
    """A second player of the owner's team (neither author nor coach of the owner's notes)."""
    from coach.models import Membership

    mate = django_user_model.objects.create_user("mate", password="pw-mate-1")
    Membership.objects.create(team=users["team"], user=mate, role=Membership.PLAYER)
    return mate


@pytest.fixture
def rival_replay(users, sync_jobs, sample_mp4):
    """A processed replay of the outsider's team."""
    return ingest_replay(
        sample_mp4, team=users["other"], uploader=users["outsider"], name="theirs.mp4"
    )
