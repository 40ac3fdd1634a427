"""Fixtures shared by the coaching tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def team_replay(users, media_root):
    """A replay row of the owner's team (no file behind it: for tests of who may do what)."""
    from replays.models import Replay

    return Replay.objects.create(
        team=users["team"],
        uploader=users["owner"],
        title="scrim",
        original_name="scrim.mp4",
        sha256="0" * 64,
        size_bytes=1,
        file="x/scrim.mp4",
        state=Replay.DONE,
    )
