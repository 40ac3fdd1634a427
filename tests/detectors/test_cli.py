"""``python -m detectors``: exit codes, JSON output, the table, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from detectors.matching import check_indicators
from detectors.profile import ProfileError, load_profile

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "detectors", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=120,
    )


def test_detect_json_prints_the_events_sorted_by_time(small_match):
    proc = _cli("detect", small_match.video, "--profile", small_match.profile, "--json")
    assert proc.returncode == 0, proc.stderr
    events = json.loads(proc.stdout)
    assert [e["kind"] for e in events] == ["kill", "death", "kill"]
    assert [set(e) for e in events] == [{"kind", "frame", "time_s", "confidence"}] * 3
    assert [e["time_s"] for e in events] == sorted(e["time_s"] for e in events)
    for got, want in zip(events, small_match.events, strict=True):
        assert 0 <= got["frame"] - want.frame <= 4  # within one sampling interval (30 fps / 8)


def test_detect_prints_a_table_without_json(small_match):
    proc = _cli("detect", small_match.video, "--profile", small_match.profile)
    assert proc.returncode == 0, proc.stderr
    assert "kind" in proc.stdout.splitlines()[0]
    assert proc.stdout.strip().endswith("2 kills, 1 deaths")


def test_evaluate_prints_precision_recall_and_timing(small_match):
    proc = _cli(
        "evaluate",
        small_match.video,
        "--profile",
        small_match.profile,
        "--labels",
        small_match.labels,
        "--tolerance",
        "0.5",
    )
    assert proc.returncode == 0, proc.stderr
    assert "3 detected, 3 labelled, 3 matched (same kind within 0.5 s)" in proc.stdout
    assert "precision 1.000  recall 1.000" in proc.stdout


def test_a_bad_profile_is_one_line_on_stderr_and_exit_2(small_match, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "events": {"kill": [{"reference": "k.png", "box": [0, 0, 1]}]}}')
    proc = _cli("detect", small_match.video, "--profile", bad)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "events.kill[0].reference" in proc.stderr


def test_an_unreadable_video_is_one_line_on_stderr_and_exit_2(small_match, tmp_path):
    fake = tmp_path / "fake.mp4"
    fake.write_text("hello")
    proc = _cli("detect", fake, "--profile", small_match.profile, "--json")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: cannot read video") and proc.stderr.count("\n") == 1


def test_missing_labels_are_one_line_and_exit_2(small_match, tmp_path):
    proc = _cli(
        "evaluate",
        small_match.video,
        "--profile",
        small_match.profile,
        "--labels",
        tmp_path / "none.json",
    )
    assert proc.returncode == 2 and "cannot read labels" in proc.stderr
    assert "Traceback" not in proc.stderr


def _profile_with_kill_box(small_match, name: str, box: list[int]) -> Path:
    """``small_match``'s profile with another kill box, written beside it (its references are
    relative to it)."""
    path = Path(small_match.profile)
    spec = json.loads(path.read_text())
    spec["events"]["kill"][0]["box"] = box
    out = path.with_name(f"{name}.profile.json")
    out.write_text(json.dumps(spec))
    return out


@pytest.mark.parametrize("command", ["detect", "evaluate"])
def test_a_box_the_site_refuses_is_refused_in_one_line_with_exit_2(small_match, command):
    """A box over half of its screenshot matches the whole scene: the site's Save and Try it
    refuse it, and the CLI ran it. It is refused with the same check's message now."""
    whole = _profile_with_kill_box(small_match, "whole", [0, 0, 1920, 1080])
    labels = ["--labels", small_match.labels] if command == "evaluate" else []
    proc = _cli(command, small_match.video, "--profile", whole, *labels)
    with pytest.raises(ProfileError) as refused:
        check_indicators(load_profile(whole).indicators)
    assert "covers 100 % of the screenshot (1920x1080)" in str(refused.value)
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", f"error: {refused.value}\n")


def test_a_box_over_a_quarter_of_the_screenshot_is_a_warning_on_stderr(small_match):
    """The editor warns from a quarter of the screenshot; the CLI says the same on stderr and
    detects anyway (a box up to half is allowed)."""
    proc = _cli("detect", small_match.video, "--profile", small_match.profile, "--json")
    assert (proc.returncode, proc.stderr) == (0, "")  # the usual boxes: nothing to say
    large = _profile_with_kill_box(small_match, "large", [0, 0, 1200, 540])  # 31 %
    proc = _cli("detect", small_match.video, "--profile", large, "--json")
    assert proc.returncode == 0, proc.stderr
    assert isinstance(json.loads(proc.stdout), list)
    assert proc.stderr == (
        "warning: the kill box [0, 0, 1200, 540] in synthetic.kill.png covers 31 % of the"
        " screenshot (1920x1080): an indicator is a HUD element (a kill-feed line, a banner),"
        " and a box this large matches the whole scene; draw it around the indicator alone\n"
    )
