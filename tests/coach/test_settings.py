"""Configuration by environment: bad values fail at start-up with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from coach.settings import envbool, envint


def test_it_rejects_a_bad_boolean(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be true or false, not 'maybe'"):
        envbool("DEBUG", False)


def test_it_rejects_a_bad_number(monkeypatch):
    monkeypatch.setenv("UPLOAD_MAX_BYTES", "8GB")
    with pytest.raises(ImproperlyConfigured, match="UPLOAD_MAX_BYTES must be a whole number"):
        envint("UPLOAD_MAX_BYTES", 1)


def settings_in_subprocess(tmp_path, **env) -> dict:
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'db': s.DATABASES['default']['ENGINE'], "
        "'name': str(s.DATABASES['default']['NAME']), 'redis': s.REDIS_URL, "
        "'media': str(s.MEDIA_ROOT), 'key': s.SECRET_KEY}))"
    )
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coach.settings",
        "FILMROOM_VAR": str(tmp_path),
        **env,
    }
    for name in ("DEBUG", "DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "SECRET_KEY"):
        if name not in env:
            full_env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=full_env,
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    return json.loads(out.stdout)


def test_the_embedded_defaults(tmp_path):
    s = settings_in_subprocess(tmp_path)
    assert s["debug"] is False
    assert s["db"] == "django.db.backends.sqlite3"
    assert s["name"] == str(tmp_path / "filmroom.sqlite3")
    assert s["redis"] == f"unix://{tmp_path}/redis.sock?db=0"
    assert s["media"] == str(tmp_path / "media")
    assert s["key"] == (tmp_path / "secret_key").read_text().strip()
    assert settings_in_subprocess(tmp_path)["key"] == s["key"]  # generated once


def test_the_environment_overrides(tmp_path):
    s = settings_in_subprocess(
        tmp_path,
        DEBUG="1",
        DATABASE_URL="postgres://u:p@db.example:5432/film",
        REDIS_URL="redis://cache:6379/1",
        MEDIA_ROOT=str(tmp_path / "m"),
        SECRET_KEY="k" * 50,
    )
    assert s["debug"] is True
    assert s["db"] == "django.db.backends.postgresql"
    assert s["redis"] == "redis://cache:6379/1"
    assert (s["media"], s["key"]) == (str(tmp_path / "m"), "k" * 50)


def test_the_address_limit_on_failed_logins_is_read_and_checked(tmp_path):
    base = {**os.environ, "DJANGO_SETTINGS_MODULE": "coach.settings", "FILMROOM_VAR": str(tmp_path)}
    read = "from django.conf import settings as s; print(s.FILMROOM_LOGIN_FAILURE_ADDRESS_LIMIT,"
    read += " s.FILMROOM_LOGIN_FAILURE_ADDRESS_WINDOW_S)"
    run = [sys.executable, "-c", "import django; django.setup(); " + read]
    env = {**base, "LOGIN_FAILURE_ADDRESS_LIMIT": "7", "LOGIN_FAILURE_ADDRESS_WINDOW_S": "60"}
    assert subprocess.run(run, env=env, capture_output=True, text=True).stdout.split() == [
        "7",
        "60",
    ]
    bad = subprocess.run(
        run, env={**base, "LOGIN_FAILURE_ADDRESS_WINDOW_S": "0"}, capture_output=True, text=True
    )
    assert bad.returncode != 0
    assert "LOGIN_FAILURE_ADDRESS_WINDOW_S must be at least 1" in bad.stderr
