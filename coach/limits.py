"""Rate limits on making accounts (per client address) and on failed logins (per address and
username, and per address whatever the username), counted in the ``limits`` cache: the shared
Redis, so every web process and node counts the same attempts.

Each limit is *count* in any *window_s* seconds, counted as a sliding window over two fixed
buckets (the current window's count plus the previous one's, weighted by how much of it still
overlaps): a burst across a bucket boundary cannot get twice the limit through. Over the limit,
the views answer 429 with ``Retry-After`` and a page that says when to try again.

The client address is ``REMOTE_ADDR``. Behind the reverse proxy of the deployment (README,
"Deployment") Daphne runs with ``--proxy-headers`` and sets it from ``X-Forwarded-For``, which the
proxy must overwrite with the peer's own address (a client could otherwise choose its address);
``manage.py serve`` takes no proxy headers and counts the connection's peer. The limits count an
IPv4 client by its address and an IPv6 client by its /64 (``client_address``).

When the cache cannot be reached (Redis down) the limits let everything through and log a
warning: a Redis outage must not lock everyone out of the site.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import caches
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

CACHE = "limits"


def _cache_errors() -> tuple[type[BaseException], ...]:
    from redis.exceptions import RedisError

    return (RedisError, OSError)


@dataclass(frozen=True)
class Limit:
    """At most ``count`` events per ``window_s`` seconds for one key (``count`` 0: no limit)."""

    name: str
    count: int
    window_s: int

    def _buckets(self, who: str, now: float) -> tuple[str, str, float]:
        index = int(now // self.window_s)
        elapsed = (now - index * self.window_s) / self.window_s
        return f"{self.name}:{who}:{index}", f"{self.name}:{who}:{index - 1}", elapsed

    def retry_after(self, who: str, now: float | None = None) -> int | None:
        """Seconds until one more event is allowed for ``who``; None when it is allowed now."""
        if self.count <= 0:
            return None
        now = time.time() if now is None else now
        current_key, previous_key, elapsed = self._buckets(who, now)
        try:
            counts = caches[CACHE].get_many([current_key, previous_key])
        except _cache_errors() as exc:
            logger.warning("rate limit %s not checked (cache unavailable): %s", self.name, exc)
            return None
        current = int(counts.get(current_key, 0))
        previous = int(counts.get(previous_key, 0))
        room = self.count - 1  # the estimate may be at most this for one more to fit
        if previous * (1 - elapsed) + current <= room:
            return None
        if current <= room:  # the previous window's share fades out within this one
            at = 1 - (room - current) / previous
            wait = (at - elapsed) * self.window_s
        else:  # this window's own count must fade out in the next one
            at = 1 - room / current
            wait = (1 - elapsed + at) * self.window_s
        return max(1, math.ceil(wait))

    def hit(self, who: str, now: float | None = None) -> None:
        """Counts one event for ``who``."""
        if self.count <= 0:
            return
        now = time.time() if now is None else now
        current_key, _, _ = self._buckets(who, now)
        cache = caches[CACHE]
        try:
            cache.add(current_key, 0, timeout=2 * self.window_s)
            cache.incr(current_key)
        except ValueError:  # expired between add and incr: start it again
            cache.set(current_key, 1, timeout=2 * self.window_s)
        except _cache_errors() as exc:
            logger.warning("rate limit %s not counted (cache unavailable): %s", self.name, exc)

    def clear(self, who: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        try:
            caches[CACHE].delete_many(self._buckets(who, now)[:2])
        except _cache_errors() as exc:
            logger.warning("rate limit %s not cleared (cache unavailable): %s", self.name, exc)


def signups() -> Limit:
    return Limit("signup", settings.FILMROOM_SIGNUP_LIMIT, settings.FILMROOM_SIGNUP_WINDOW_S)


def login_failures() -> Limit:
    return Limit(
        "login-failed",
        settings.FILMROOM_LOGIN_FAILURE_LIMIT,
        settings.FILMROOM_LOGIN_FAILURE_WINDOW_S,
    )


def login_address_failures() -> Limit:
    return Limit(
        "login-failed-address",
        settings.FILMROOM_LOGIN_FAILURE_ADDRESS_LIMIT,
        settings.FILMROOM_LOGIN_FAILURE_ADDRESS_WINDOW_S,
    )


def client_address(request: HttpRequest) -> str:
    """Who the limits count: an IPv4 client by its address, an IPv6 client by its /64.

    One home line or server gets a whole /64 and may use any address in it, so counting single
    IPv6 addresses would let it dodge every limit. An IPv4-mapped IPv6 address (``::ffff:a.b.c.d``,
    a dual-stack socket's view of an IPv4 peer) counts as that IPv4 address.
    """
    raw = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        address = ipaddress.ip_address(raw.removeprefix("[").removesuffix("]"))
    except ValueError:
        return raw or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Address(int(address) >> 64 << 64)  # drops a zone (%eth0) too
        return f"{network}/64"
    return str(address)


def login_key(request: HttpRequest, username: str) -> str:
    """The client address and the username tried (case-folded, hashed: any text can be typed)."""
    name = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return f"{client_address(request)}:{name}"


def _in_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes"
    return f"{minutes / 60:.1f} hours"


def refusal(what: str, seconds: int) -> str:
    """The sentence a refused person reads: what was refused and when to try again."""
    at = (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%H:%M UTC")
    return f"{what} Try again in {_in_words(seconds)} (after {at})."


SIGNUP_REFUSED = "Too many accounts were made from your address lately."
LOGIN_REFUSED = "Too many failed logins for this username from your address."
LOGIN_ADDRESS_REFUSED = "Too many failed logins from your address."


def login_refused(request: HttpRequest, username: str) -> tuple[str, int] | None:
    """Why a login from this client for ``username`` is refused before its password is tried,
    and for how many seconds: the sentence and the wait; None when it may be tried.

    Both counts must allow it: the failures for this username from this address, and those from
    this address whatever the username (one address trying a few passwords on many accounts).
    """
    waits = [
        (wait, what)
        for wait, what in (
            (login_failures().retry_after(login_key(request, username)), LOGIN_REFUSED),
            (login_address_failures().retry_after(client_address(request)), LOGIN_ADDRESS_REFUSED),
        )
        if wait is not None
    ]
    if not waits:
        return None
    wait, what = max(waits)
    return refusal(what, wait), wait


def limited(response: HttpResponse, seconds: int) -> HttpResponse:
    """Marks a refusal: 429 with ``Retry-After``."""
    response.status_code = 429
    response["Retry-After"] = str(seconds)
    return response


@receiver(user_login_failed)
def _count_failed_login(sender, credentials: dict, request: HttpRequest | None = None, **kwargs):
    """Every failed login through a form (the site's and the admin's) counts; ``Client.login``
    and other calls without a request do not."""
    if request is None:
        return
    username = str(credentials.get("username", ""))
    login_failures().hit(login_key(request, username))
    login_address_failures().hit(client_address(request))
