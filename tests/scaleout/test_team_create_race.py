"""Teams started at the same moment from several processes on one PostgreSQL: names that make the
same address (slug) each get their own (``night-owls``, ``night-owls-2``…), and of names that
read the same one team is made and the others are refused with the reason, never an error.

Unlike SQLite, which lets one writer in at a time, PostgreSQL lets every request find the address
free and write at once: the unique key holds the later writers until the first commits, then
refuses them, and ``team_create`` tries the next address or, when the name is the one taken,
says so. Every racer waits after finding its first address free until all have found theirs,
so that the writes always meet.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.livesite import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.scaleout]

HEART, RED_HEART = "\u2764", "\u2764\ufe0f"
NAMES = {
    "u1": "Night Owls!",
    "u2": "Night Owls?",
    "u3": "Night Owls.",
    "u4": "Night-Owls",
    "u5": "Hawks",
    "u6": "HAWKS",
    "u7": "\uff48\uff41\uff57\uff4b\uff53",  # full-width "hawks"
    "u8": f"{HEART} Fans",
    "u9": f"{RED_HEART} Fans",  # the same heart as an emoji: reads the same
}

# One request starting a team, in a process of its own with its own database connection.
RACER = """
import time
from pathlib import Path
from django.contrib.auth import get_user_model
from coach.teams import services

user = get_user_model().objects.get(username={user!r})
check = services._slug_free
checked = Path({barrier!r})

def slug_free_when_all_have_looked(slug):
    free = check(slug)
    if not (checked / {user!r}).exists():  # the first address only: then every racer writes
        (checked / {user!r}).touch()
        deadline = time.monotonic() + 60
        while len(list(checked.iterdir())) < {racers}:
            assert time.monotonic() < deadline, "the other racers did not look"
            time.sleep(0.001)
    return free

services._slug_free = slug_free_when_all_have_looked
try:
    print("RESULT made", services.team_create(name={name!r}, user=user).slug)
except services.TeamError as exc:
    print("RESULT refused", exc)
"""

REPORT = """
import json
from coach.models import Team
print(json.dumps([[t.name, t.slug, t.name_key, [[m.user.username, m.role] for m in
                   t.memberships.all()]] for t in Team.objects.order_by("slug")]))
"""


def test_teams_started_at_once_on_postgresql_get_their_own_address_or_a_reason(nodes):
    engine = nodes.manage(
        "shell", "-c", "from django.db import connection; print(connection.vendor)"
    )
    assert engine.strip().splitlines()[-1] == "postgresql"
    users = "".join(f"User.objects.create_user({u!r});" for u in NAMES)
    nodes.manage("shell", "-c", f"from django.contrib.auth.models import User;{users}")
    barrier = nodes.var / "checked"
    barrier.mkdir()
    racers = {}
    for user, name in NAMES.items():
        code = RACER.format(user=user, name=name, barrier=str(barrier), racers=len(NAMES))
        racers[user] = nodes.spawn(f"racer-{user}", str(ROOT / "manage.py"), "shell", "-c", code)
    said = {}
    deadline = time.monotonic() + 180
    for user, (proc, log) in racers.items():
        proc.wait(timeout=max(1, deadline - time.monotonic()))
        out = log.read_text(errors="replace")
        assert proc.returncode == 0, out[-3000:]  # no IntegrityError, no aborted transaction
        said[user] = [line for line in out.splitlines() if line.startswith("RESULT ")][-1][7:]
    assert len(list(barrier.iterdir())) == len(NAMES)  # every racer found its address free

    owls = sorted(said[u] for u in ("u1", "u2", "u3", "u4"))
    assert owls == [f"made night-owls{s}" for s in ("", "-2", "-3", "-4")]
    for group, slug in ((("u5", "u6", "u7"), "hawks"), (("u8", "u9"), "fans")):
        made = [u for u in group if said[u] == f"made {slug}"]
        assert len(made) == 1, said
        for user in set(group) - set(made):
            assert said[user].startswith("refused there is a team called"), said[user]
            assert f"{NAMES[made[0]]!r} already" in said[user]

    teams = json.loads(nodes.manage("shell", "-c", REPORT).strip().splitlines()[-1])
    assert len(teams) == 6
    by_user = {members[0][0]: (name, slug) for name, slug, _, members in teams}
    for user, (name, slug) in by_user.items():
        assert (name, f"made {slug}") == (NAMES[user], said[user])
    assert all(members == [[members[0][0], "coach"]] for *_, members in teams)
    assert len({key for _, _, key, _ in teams}) == 6
