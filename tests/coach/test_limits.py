"""Rate limits on making accounts (per client address) and on failed logins (per address and
username), counted in the shared Redis: over the limit a 429 that says when to try again, with
the username still in the form, and the same count seen by every web process."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.livesite import ROOT, Site, free_port

PASSWORD = "violet-harbour-9"


@pytest.fixture
def limits_on_redis(settings, embedded_redis):
    """The ``limits`` cache as the site configures it (Redis), on the embedded Redis, under a key
    prefix of this test's own."""
    settings.CACHES = {
        **settings.CACHES,
        "limits": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": embedded_redis,
            "KEY_PREFIX": f"t{uuid.uuid4().hex[:12]}",
        },
    }


def sign_up(client: Client, username: str, path: str = "/accounts/signup/"):
    return client.post(path, {"username": username, "password1": PASSWORD, "password2": PASSWORD})


def test_a_sixth_account_from_one_address_within_the_hour_answers_429(
    db, settings, limits_on_redis
):
    from coach.models import Membership, Team
    from coach.teams.services import invite_create

    for n in range(5):
        assert sign_up(Client(), f"player{n}").status_code == 302
    refused = sign_up(Client(), "sixth")
    page = refused.content.decode()
    assert refused.status_code == 429, page
    assert "Too many accounts were made from your address lately. Try again in" in page
    assert 0 < int(refused["Retry-After"]) <= 2 * 3600
    assert re.search(r'name="username" value="sixth"', page)  # what was typed stays
    assert not get_user_model().objects.filter(username="sixth").exists()
    # An invite link makes accounts too: the same count.
    coach = get_user_model().objects.create_user("coach", password=PASSWORD)
    team = Team.objects.create(name="Owls")
    Membership.objects.create(team=team, user=coach, role=Membership.COACH)
    invite = invite_create(team=team, role="player", by=coach)
    joined = sign_up(Client(), "invited", f"/join/{invite.token}")
    assert joined.status_code == 429 and 'value="invited"' in joined.content.decode()
    assert "Too many accounts" in joined.content.decode()
    # Another address is not held back.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert sign_up(other, "elsewhere").status_code == 302
    assert settings.FILMROOM_SIGNUP_LIMIT == 5 and settings.FILMROOM_SIGNUP_WINDOW_S == 3600


def test_the_window_slides_and_a_limit_of_zero_is_none(db, settings, limits_on_redis):
    from coach import limits

    limit = limits.Limit("probe", 2, 100)
    start = 1_000_000 * 100.0  # the start of a window
    limit.hit("a", start + 10)
    limit.hit("a", start + 20)
    wait = limit.retry_after("a", start + 30)
    # Both counted in this window: one more fits once half of their weight has faded in the
    # next window, 100 - 30 + 50 s on.
    assert wait == 120
    assert limit.retry_after("a", start + 30 + wait) is None
    assert limit.retry_after("b", start + 30) is None  # counted per key
    assert limits.Limit("off", 0, 100).retry_after("a", start) is None


def test_failed_logins_over_the_limit_answer_429_even_for_the_right_password(
    db, settings, limits_on_redis
):
    get_user_model().objects.create_user("owner", password=PASSWORD)
    get_user_model().objects.create_user("coach", password=PASSWORD)
    client = Client()
    for _ in range(10):
        wrong = client.post("/accounts/login/", {"username": "Owner", "password": "guess"})
        assert wrong.status_code == 200 and "didn't match" in wrong.content.decode()
    refused = client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
    page = refused.content.decode()
    assert refused.status_code == 429, page
    assert "Too many failed logins for this username from your address. Try again in" in page
    assert 0 < int(refused["Retry-After"]) <= 2 * 900
    assert 'name="username" value="owner"' in page
    assert "_auth_user_id" not in client.session
    # The admin's login takes the same passwords: the same count.
    admin = client.post("/admin/login/", {"username": "owner", "password": PASSWORD})
    assert admin.status_code == 429 and "Too many failed logins" in admin.content.decode()
    # Another username from this address, and this one from another address, still log in.
    assert (
        client.post("/accounts/login/", {"username": "coach", "password": PASSWORD}).status_code
        == 302
    )
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert (
        elsewhere.post("/accounts/login/", {"username": "owner", "password": PASSWORD}).status_code
        == 302
    )
    assert settings.FILMROOM_LOGIN_FAILURE_LIMIT == 10
    assert settings.FILMROOM_LOGIN_FAILURE_WINDOW_S == 900


def test_failed_logins_over_many_usernames_from_one_address_answer_429(
    db, settings, limits_on_redis
):
    """Password spraying: one address trying a password or two on each of many accounts never
    reaches a username's limit, but the address's own count stops it."""
    assert settings.FILMROOM_LOGIN_FAILURE_ADDRESS_LIMIT == 50
    assert settings.FILMROOM_LOGIN_FAILURE_ADDRESS_WINDOW_S == 900
    settings.FILMROOM_LOGIN_FAILURE_ADDRESS_LIMIT = 5  # each failure hashes a password: slow
    get_user_model().objects.create_user("owner", password=PASSWORD)
    get_user_model().objects.create_user("coach", password=PASSWORD)
    sprayer = Client()
    for n in range(4):
        wrong = sprayer.post("/accounts/login/", {"username": f"user{n}", "password": "guess"})
        assert wrong.status_code == 200 and "didn't match" in wrong.content.decode()
    # Under the address's limit a person at the same address logs in as ever; their success
    # does not clear the address's count (a sprayer holding one account could reset it).
    owner = Client()
    assert (
        owner.post("/accounts/login/", {"username": "owner", "password": PASSWORD}).status_code
        == 302
    )
    sprayer.post("/accounts/login/", {"username": "admin", "password": "guess"})
    refused = Client().post("/accounts/login/", {"username": "coach", "password": PASSWORD})
    page = refused.content.decode()
    assert refused.status_code == 429, page
    assert "Too many failed logins from your address. Try again in" in page
    assert 0 < int(refused["Retry-After"]) <= 2 * 900
    assert 'name="username" value="coach"' in page
    admin = Client().post("/admin/login/", {"username": "coach", "password": PASSWORD})
    assert admin.status_code == 429 and "Too many failed logins from your address" in (
        admin.content.decode()
    )
    assert 0 < int(admin["Retry-After"]) <= 2 * 900
    # Failures through the admin's form count too; another address is not held back.
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    for n in range(5):
        elsewhere.post("/admin/login/", {"username": f"staff{n}", "password": "guess"})
    assert (
        Client(REMOTE_ADDR="192.0.2.8")
        .post("/accounts/login/", {"username": "coach", "password": PASSWORD})
        .status_code
        == 302
    )
    assert (
        Client(REMOTE_ADDR="192.0.2.7")
        .post("/accounts/login/", {"username": "coach", "password": PASSWORD})
        .status_code
        == 429
    )


def test_a_successful_login_clears_the_failures(db, limits_on_redis):
    get_user_model().objects.create_user("owner", password=PASSWORD)
    client = Client()
    for _ in range(9):
        client.post("/accounts/login/", {"username": "owner", "password": "guess"})
    assert (
        client.post("/accounts/login/", {"username": "owner", "password": PASSWORD}).status_code
        == 302
    )
    client = Client()
    for _ in range(10):
        assert (
            client.post("/accounts/login/", {"username": "owner", "password": "guess"}).status_code
            == 200
        )


@pytest.mark.parametrize(
    ("remote_addr", "counted_as"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),  # the same home line
        ("2001:DB8:1:3::1", "2001:db8:1:3::/64"),  # the next /64: another line
        ("fe80::1%eth0", "fe80::/64"),
        ("[2001:db8:1:2::9]", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),  # a dual-stack socket's IPv4 peer
        ("::1", "::/64"),
        ("not an address", "not an address"),
        ("", "unknown"),
    ],
)
def test_an_ipv6_client_counts_by_its_64_and_an_ipv4_one_by_its_address(remote_addr, counted_as):
    from django.test import RequestFactory

    from coach import limits

    request = RequestFactory().get("/", REMOTE_ADDR=remote_addr)
    assert limits.client_address(request) == counted_as


def test_rotating_addresses_within_one_ipv6_64_does_not_dodge_the_limits(db, limits_on_redis):
    """A home line gets a /64 and may use any address in it: sign-ups and failed logins from
    addresses of one /64 add up; another /64 is another client. IPv4-mapped addresses count as
    the IPv4 address they map."""
    line = [f"2001:db8:7:1::{n:x}" for n in range(1, 40)]
    for n in range(5):
        assert sign_up(Client(REMOTE_ADDR=line[n]), f"six{n}").status_code == 302
    refused = sign_up(Client(REMOTE_ADDR=line[5]), "sixth")
    assert refused.status_code == 429 and 'value="sixth"' in refused.content.decode()
    assert sign_up(Client(REMOTE_ADDR="2001:db8:7:2::1"), "neighbour").status_code == 302
    for n in range(5):
        addr = "::ffff:198.51.100.2" if n % 2 else "198.51.100.2"
        assert sign_up(Client(REMOTE_ADDR=addr), f"v4{n}").status_code == 302
    assert sign_up(Client(REMOTE_ADDR="::ffff:198.51.100.2"), "v4mapped").status_code == 429
    assert sign_up(Client(REMOTE_ADDR="198.51.100.3"), "v4next").status_code == 302

    get_user_model().objects.create_user("owner", password=PASSWORD)
    for n in range(10):
        wrong = Client(REMOTE_ADDR=line[10 + n]).post(
            "/accounts/login/", {"username": "owner", "password": "guess"}
        )
        assert wrong.status_code == 200
    right = {"username": "owner", "password": PASSWORD}
    refused = Client(REMOTE_ADDR=line[30]).post("/accounts/login/", right)
    assert refused.status_code == 429
    assert "Too many failed logins for this username" in refused.content.decode()
    assert Client(REMOTE_ADDR="2001:db8:7:2::1").post("/accounts/login/", right).status_code == 302


def test_an_x_forwarded_for_sent_to_django_is_not_the_client_address(db, limits_on_redis):
    """Django reads no proxy header: only Daphne's ``--proxy-headers``, behind the proxy that
    overwrites it, turns ``X-Forwarded-For`` into the address (README, "Deployment"). A client
    naming addresses of its own is counted by its connection."""
    for n in range(5):
        client = Client(HTTP_X_FORWARDED_FOR=f"2001:db8:{n}::1, 192.0.2.{n}")
        assert sign_up(client, f"forged{n}").status_code == 302
    refused = sign_up(Client(HTTP_X_FORWARDED_FOR="203.0.113.9"), "forged5")
    assert refused.status_code == 429


def test_with_redis_down_the_limits_let_everyone_in(db, settings, tmp_path, caplog):
    settings.CACHES = {
        **settings.CACHES,
        "limits": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"unix://{tmp_path / 'nothing-here.sock'}",
        },
    }
    settings.FILMROOM_SIGNUP_LIMIT = 1
    for n in range(3):
        assert sign_up(Client(), f"player{n}").status_code == 302
    assert "rate limit signup not checked (cache unavailable)" in caplog.text


def _csrf_post(opener, jar, url: str, fields: dict):
    opener.open(url, timeout=30).read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": csrf}).encode()
    try:
        response = opener.open(urllib.request.Request(url, body), timeout=30)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    return response.status, response.read().decode()


def _daphne(site: Site, port: int, *options: str) -> subprocess.Popen:
    """Daphne serving the site on ``port`` (``options``: more of its flags), once it answers."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), *options]
        + ["coach.asgi:application"],
        env=site.env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.terminate()
                raise AssertionError("Daphne did not start") from None
            time.sleep(0.2)


@pytest.mark.slow
def test_two_web_processes_count_the_same_sign_ups(tmp_path, embedded_redis):
    """Two Daphne processes of one site (one database, one Redis, as in the README's
    deployment) share the count: accounts made through either add up."""
    import http.cookiejar

    site = Site(tmp_path / "var")
    site.env["REDIS_URL"] = embedded_redis
    site.env["SIGNUP_LIMIT"] = "3"
    site.manage("migrate", "--noinput", "-v", "0")
    ports = [free_port(), free_port()]
    procs: list[subprocess.Popen] = []
    try:
        procs.extend(_daphne(site, port) for port in ports)
        answers = []
        for n, port in enumerate([ports[0], ports[1], ports[0], ports[1]]):
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            fields = {"username": f"node{n}", "password1": PASSWORD, "password2": PASSWORD}
            answers.append(
                _csrf_post(opener, jar, f"http://127.0.0.1:{port}/accounts/signup/", fields)
            )
        assert [status for status, _ in answers] == [200, 200, 200, 429]
        assert 'value="node3"' in answers[3][1] and "Too many accounts" in answers[3][1]
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)


@pytest.mark.slow
def test_behind_the_proxy_an_ipv6_64_counts_as_one_client(tmp_path, embedded_redis):
    """As deployed (README, "Deployment"): Daphne with ``--proxy-headers`` takes the client's
    address from the ``X-Forwarded-For`` the proxy sets. Addresses of one IPv6 /64 add up;
    another /64 and an IPv4 client are counted apart."""
    import http.cookiejar

    site = Site(tmp_path / "var")
    site.env["REDIS_URL"] = embedded_redis
    site.env["SIGNUP_LIMIT"] = "3"
    site.manage("migrate", "--noinput", "-v", "0")
    port = free_port()
    proc = _daphne(site, port, "--proxy-headers")
    try:
        answers = []
        for n, client in enumerate(
            ["2001:db8:5:1::1", "2001:db8:5:1::2", "2001:db8:5:1:abcd::3", "2001:db8:5:1::4"]
            + ["2001:db8:5:2::1", "192.0.2.44"]
        ):
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            opener.addheaders = [("X-Forwarded-For", client)]
            fields = {"username": f"line{n}", "password1": PASSWORD, "password2": PASSWORD}
            answers.append(
                _csrf_post(opener, jar, f"http://127.0.0.1:{port}/accounts/signup/", fields)
            )
        assert [status for status, _ in answers] == [200, 200, 200, 429, 200, 200]
        assert 'value="line3"' in answers[3][1] and "Too many accounts" in answers[3][1]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
