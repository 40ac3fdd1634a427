"""The verifier on a real site: replays processed and a verifier trained by the django-q2
cluster's workers, the button pressed over HTTP (Daphne), the result read from the page."""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pytest

from detectors.verifier_synth import make_confuser_match, spaced_times

SETUP = """
import json
from pathlib import Path
from django.contrib.auth.models import User
from coach.models import Membership, Team
from replays.models import GameProfile
from replays.profiles.services import profile_save_version
from replays.services import replay_ingest_file
folder = Path({folder!r})
team = Team.objects.create(name="Owls")
user = User.objects.create_user("owner", password="pw-owner-1")
Membership.objects.create(team=team, user=user, role=Membership.PLAYER)
spec = json.loads((folder / "q0.profile.json").read_text())
refs = {{i["reference"] for v in spec["events"].values() for i in v}}
files = {{n: (folder / n).read_bytes() for n in refs}}
profile = GameProfile.objects.create(team=team, name="q")
profile_save_version(profile=profile, spec=spec, files=files)
for n in range(2):
    replay_ingest_file(team=team, uploader=user, source=folder / f"q{{n}}.mp4",
                       original_name=f"q{{n}}.mp4", move=False)
print(profile.pk)
"""

CORRECT = """
import json
import numpy as np
from replays.models import Event, GameProfile, Replay
truth = json.loads({truth!r})
profile = GameProfile.objects.get(pk={pk})
for replay, (kills, rivals) in zip(Replay.objects.order_by("pk"), truth):
    assert replay.state == "done", replay.failure_reason
    Replay.objects.filter(pk=replay.pk).update(detected_with=profile.latest)
    times = replay.frame_times()
    for ts, review in ((kills, Event.CONFIRMED), (rivals, Event.REJECTED)):
        for t in ts:
            frame = int(np.searchsorted(times, t - 1e-9))
            Event.objects.create(replay=replay, kind="kill", frame=frame,
                                 time_s=float(times[frame]), review=review)
print("ok")
"""

STATES = "from replays.models import Replay; print(sorted(set(Replay.objects.values_list('state', flat=True))))"  # noqa: E501


def _wait(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_a_verifier_is_trained_by_the_workers_and_shown_active(live, tmp_path):
    folder = tmp_path / "media-in"
    rng = np.random.default_rng(5)
    truth = []
    for n in range(2):
        times = spaced_times(rng, 12, 40.0, 3.2)
        kills, rivals = times[0::2], times[1::2]
        make_confuser_match(
            folder, kills=kills, rivals=rivals, duration_s=40.0, size=(640, 360),
            name=f"q{n}", seed=10 + n,
        )  # fmt: skip
        truth.append((kills, rivals))
    pk = int(live.manage("shell", "-c", SETUP.format(folder=str(folder))).split()[-1])
    _wait(lambda: "'done'" in live.manage("shell", "-c", STATES) and
          "queued" not in live.manage("shell", "-c", STATES), 240, "the replay jobs")  # fmt: skip
    live.manage("shell", "-c", CORRECT.format(truth=json.dumps(truth), pk=pk))
    live.login("owner", "pw-owner-1")
    page = live.request(f"/profiles/{pk}/").read().decode()
    csrf = next(c.value for c in live.jar if c.name == "csrftoken")
    live.request(
        f"/profiles/{pk}/verifier/train",
        f"csrfmiddlewaretoken={csrf}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ).read()

    def finished():
        page = live.request(f"/profiles/{pk}/").read().decode()
        state = re.search(r'id="verifier" data-state="([\w-]+)"', page).group(1)
        return page if state not in ("queued", "training") else None

    page = _wait(finished, 300, "the training job")
    assert 'data-state="active"' in page, page[page.find('id="verifier"') :][:600]
    rows = re.findall(r"<td>(before|after)[^<]*</td><td>([\d.]+)</td><td>([\d.]+)</td>", page)
    (_, p_before, r_before), (_, p_after, r_after) = rows
    assert float(p_after) > float(p_before) and float(r_after) >= float(r_before)
    weights = list((live.var / "media" / "profiles").rglob("verifier-*.safetensors"))
    assert len(weights) == 1
