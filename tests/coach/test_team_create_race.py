"""Two teams started at the same moment whose names make the same address (slug): both are made,
the second at the next free address; two names that read the same make one team and a refusal
that says why, never a 500."""

from __future__ import annotations

import subprocess
import time

from coach.models import Membership, Team
from coach.teams import services
from tests.conftest import client_for
from tests.livesite import Site

# One request starting a team, in a process of its own (its own connection to the site's SQLite
# file, as a web process has): it waits for the go file so that all of them start at once.
RACER = """
import time
from pathlib import Path
from django.contrib.auth import get_user_model
from coach.teams.services import TeamError, team_create
user = get_user_model().objects.get(username={user!r})
Path({ready!r}).touch()
while not Path({go!r}).exists():
    time.sleep(0.0005)
try:
    print("made", team_create(name={name!r}, user=user).slug)
except TeamError as exc:
    print("refused", exc)
"""


def test_teams_started_at_once_on_the_sites_database_get_their_own_address(tmp_path):
    site = Site(tmp_path / "var")
    site.manage("migrate", "--noinput", "-v", "0")
    names = {"u1": "Night Owls!", "u2": "Night Owls?", "u3": "Hawks", "u4": "HAWKS"}
    make_users = "".join(f"User.objects.create_user({u!r});" for u in names)
    site.manage("shell", "-c", f"from django.contrib.auth.models import User;{make_users}")
    go = tmp_path / "go"
    racers = {}
    for user, name in names.items():
        ready = tmp_path / f"ready-{user}"
        code = RACER.format(user=user, name=name, ready=str(ready), go=str(go))
        racers[user] = (
            ready,
            site.shell(code, stderr=subprocess.PIPE),
        )
    deadline = time.monotonic() + 120
    while not all(ready.exists() for ready, _ in racers.values()):
        assert time.monotonic() < deadline, "the racers did not start"
        assert all(proc.poll() is None for _, proc in racers.values()), "a racer died"
        time.sleep(0.05)
    go.touch()
    said = {}
    for user, (_, proc) in racers.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err  # no IntegrityError, no "database is locked"
        said[user] = out.strip().splitlines()[-1]  # after the shell's banner, if any
    assert {said["u1"], said["u2"]} == {"made night-owls", "made night-owls-2"}
    hawks = sorted([said["u3"], said["u4"]])
    assert hawks[0] == "made hawks"
    assert hawks[1].startswith("refused there is a team called") and "already" in hawks[1]


def test_an_address_taken_between_the_check_and_the_write_gives_the_next_one(
    client, users, monkeypatch
):
    """Another request starts "Night Owls?" after this one found ``night-owls`` free and before
    it writes (as on PostgreSQL, where the two do not wait for each other): the unique slug
    refuses this write, and the team is made at ``night-owls-2``."""
    check, meanwhile = services._slug_free, []

    def another_request_writes_meanwhile(slug: str) -> bool:
        free = check(slug)
        if not meanwhile:  # once: the other request checks the slug too
            meanwhile.append(slug)
            services.team_create(name="Night Owls?", user=users["outsider"])
        return free

    monkeypatch.setattr(services, "_slug_free", another_request_writes_meanwhile)
    client_for(client, users["coach"])
    made = client.post("/teams/new", {"name": "Night Owls!"}, follow=True)
    assert "Night Owls! is yours" in made.content.decode()
    assert made.redirect_chain[-1][0] == "/teams/night-owls-2/"
    assert meanwhile == ["night-owls"]
    teams = {t.slug: t for t in Team.objects.filter(slug__startswith="night-owls")}
    assert {slug: t.name for slug, t in teams.items()} == {
        "night-owls": "Night Owls?",
        "night-owls-2": "Night Owls!",
    }
    coach = teams["night-owls-2"].memberships.get()
    assert (coach.user, coach.role) == (users["coach"], Membership.COACH)


def test_a_name_taken_between_the_check_and_the_write_is_refused_with_the_reason(
    client, users, monkeypatch
):
    """The other request's name reads as this one's: the unique slug and name key refuse this
    write, and the person is told the name is taken (not a 500)."""
    check, meanwhile = services._slug_free, []

    def another_request_writes_meanwhile(slug: str) -> bool:
        free = check(slug)
        if not meanwhile:
            meanwhile.append(slug)
            services.team_create(name="night owls", user=users["outsider"])
        return free

    monkeypatch.setattr(services, "_slug_free", another_request_writes_meanwhile)
    client_for(client, users["coach"])
    refused = client.post("/teams/new", {"name": "Night Owls"}, follow=True)
    assert refused.status_code == 200
    assert "No team made: there is a team called &#x27;night owls&#x27; already" in (
        refused.content.decode()
    )
    # The other request's team was written on this test's own connection, inside this request's
    # transaction, so the refusal rolled it back too; what counts is that no team was made.
    assert Team.objects.filter(memberships__user=users["coach"]).count() == 1  # Owls only
