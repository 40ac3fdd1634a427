"""Untrusted video is decoded in a limited child process: a crash, a hang or a memory blow-up in
a decoder fails that replay with a reason and never takes the worker (this test process) down.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors import sandbox
from detectors.profile import load_profile
from detectors.synth import make_match
from replays.models import GameProfile, Replay
from replays.profiles.services import profile_save_version
from replays.services import replay_ingest_file
from tests.media import FFMPEG
from tests.replays.sandbox_children import first_child_crashed, sandbox_children

CONTAINERS = ("mp4", "mkv", "webm")


@pytest.fixture(scope="module")
def match(tmp_path_factory):
    return make_match(
        tmp_path_factory.mktemp("sandbox"),
        duration_s=2,
        fps=15,
        size=(320, 180),
        kills=(1.0,),
        deaths=(),
        allies=(),
        name="feed",
    )


@pytest.fixture(scope="module")
def containers(match, tmp_path_factory) -> dict[str, bytes]:
    """The same short match as real mp4, mkv (remuxed) and webm (VP9) files."""
    folder = tmp_path_factory.mktemp("containers")
    out = {"mp4": match.video.read_bytes()}
    for name, codec in (("mkv", ["-c", "copy"]), ("webm", ["-c:v", "libvpx-vp9", "-b:v", "200k"])):
        path = folder / f"feed.{name}"
        cmd = [FFMPEG, "-loglevel", "error", "-y", "-i", str(match.video), *codec]
        subprocess.run(
            [*cmd, "-deadline", "realtime", "-cpu-used", "8", str(path)]
            if name == "webm"
            else [*cmd, str(path)],
            check=True,
        )
        out[name] = path.read_bytes()
    return out


def _profile(team, match) -> GameProfile:
    spec = json.loads(match.profile.read_text())
    refs = {ind["reference"] for inds in spec["events"].values() for ind in inds}
    files = {name: (match.profile.parent / name).read_bytes() for name in refs}
    profile = GameProfile.objects.create(team=team, name=f"feed-{time.monotonic_ns()}")
    profile_save_version(profile=profile, spec=spec, files=files)
    return profile


def _ingest(users, profile, path: Path) -> Replay:
    replay, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=path,
        original_name=path.name,
        move=False,
        profile=profile,
    )
    replay.refresh_from_db()
    return replay


def test_a_decoder_crash_fails_the_replay_with_the_signal(users, sync_jobs, match):
    """A decoder child that dies of SIGSEGV mid-job: the replay fails and says so."""
    profile = _profile(users["team"], match)
    with first_child_crashed() as crashed:
        replay = _ingest(users, profile, match.video)
    assert crashed
    assert replay.state == Replay.FAILED
    assert "the decoder crashed on this file (SIGSEGV, signal 11)" in replay.failure_reason
    assert not sandbox_children()


def test_a_detection_over_its_time_limit_is_killed(match):
    """The wall-clock limit kills the child and says how long it was allowed."""
    profile = load_profile(match.profile)
    started = time.monotonic()
    with pytest.raises(sandbox.DecodeFailed, match=r"decoding took longer than 0.05 s"):
        sandbox.detect(match.video, profile, limits=sandbox.Limits(timeout_s=0.05))
    assert time.monotonic() - started < 5
    assert not sandbox_children()


def test_a_replay_over_its_decode_time_fails_with_the_limit(users, sync_jobs, match, settings):
    settings.FILMROOM_DECODE_TIMEOUT_BASE_S = 0
    replay = _ingest(users, _profile(users["team"], match), match.video)
    assert replay.state == Replay.FAILED
    assert replay.failure_reason.startswith("reading the video failed: decoding took longer than")


def test_a_decoder_over_its_memory_limit_fails_the_replay(users, sync_jobs, match, settings):
    """A genuinely tiny address-space cap: the decoder's allocations are refused."""
    settings.FILMROOM_DECODE_MEMORY_MB = 8
    replay = _ingest(users, _profile(users["team"], match), match.video)
    assert replay.state == Replay.FAILED
    assert "decoding needed more than the 8 MB memory limit" in replay.failure_reason


def test_detection_reports_progress_from_the_child(match):
    seen: list[float] = []
    result = sandbox.detect(
        match.video, load_profile(match.profile), limits=sandbox.Limits(), progress=seen.append
    )
    assert result.complete and [e.kind for e in result.events][:1] == ["kill"]
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    container=st.sampled_from(CONTAINERS),
    # Where to cut the file (None: whole), and runs of junk written over it past its first bytes
    # (so that most inputs still look like their container and reach the decoders).
    cut=st.one_of(st.none(), st.floats(0.0, 1.0)),
    garble=st.lists(
        st.tuples(st.floats(0.02, 1.0), st.binary(min_size=1, max_size=64)), max_size=6
    ),
)
def test_garbled_and_truncated_files_end_done_or_failed_with_a_reason(
    users, sync_jobs, match, containers, tmp_path, container, cut, garble
):
    data = bytearray(containers[container])
    for where, junk in garble:
        at = int(where * (len(data) - 1))
        data[at : at + len(junk)] = junk
    data = bytes(data if cut is None else data[: max(1, int(cut * len(data)))])
    path = tmp_path / f"fuzz-{time.monotonic_ns()}.{container}"
    path.write_bytes(data)
    replay = _ingest(users, _profile(users["team"], match), path)
    assert replay.state in (Replay.DONE, Replay.FAILED)
    if replay.state == Replay.FAILED:
        assert replay.failure_reason.strip()
        assert "unexpectedly" not in replay.failure_reason, replay.failure_reason
    assert not sandbox_children()
