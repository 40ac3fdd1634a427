"""One screenshot of an indicator: a match blank where most of the indicator draws is no match.

With a single reference, nothing says which of the box's pixels are the indicator's own (see
``test_own_pixels``), and a look-alike of one end of the box can reach the threshold on the whole
box. The demo's built-in Shooter profile ("YOU" and a cross on a dark line) took a bright block
of FFmpeg's ``testsrc2`` pattern at 640x360 over plain colour for a kill: the "YOU" end matched,
and the frame was blank where the cross is. Each match is now looked at part by part, and one
blank in half or more of the parts where the template has marks is dropped. A kill-feed line
naming a shorter victim than the reference's, blank in its last part alone, still counts.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace

import cv2
import imageio_ffmpeg
import numpy as np
import pytest

from detectors import detect, load_profile
from detectors.matching import Matcher
from detectors.synth import make_match

SIZE = (640, 360)
LINE = (380, 40, 240, 30)  # a kill-feed line: "YOU", a cross, the victim's name


@pytest.fixture(scope="module")
def shooter(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("blank_parts")
    match = make_match(
        out / "match", duration_s=8, fps=30, size=SIZE, kills=(2.0, 5.0), deaths=(),
        allies=(), name="shooter", seed=0,
    )  # fmt: skip
    bars = out / "testsrc2_640x360.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc2=size=640x360:rate=30:duration=6", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         str(bars)], check=True,
    )  # fmt: skip
    return match, bars


def test_the_shooter_profile_finds_no_kill_on_test_bars(shooter):
    match, bars = shooter
    events = detect(bars, load_profile(match.profile)).events
    assert events == []


def test_the_shooter_profile_still_finds_its_kills_at_that_size(shooter):
    match, _bars = shooter
    events = detect(match.video, load_profile(match.profile)).events
    assert [(e.kind, round(e.time_s)) for e in events] == [("kill", 2), ("kill", 5)]


def _wall(grey: int) -> np.ndarray:
    return np.full((SIZE[1], SIZE[0], 3), grey, np.uint8)


def _line(img: np.ndarray, victim: str) -> np.ndarray:
    x, y, w, h = LINE
    out = img.copy()
    out[y : y + h, x : x + w] = 25
    cv2.putText(out, "YOU", (x + 6, y + h - 7), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2,
                cv2.LINE_AA)  # fmt: skip
    for a, b in (((80, 7), (96, h - 7)), ((96, 7), (80, h - 7))):
        cv2.line(out, (x + a[0], y + a[1]), (x + b[0], y + b[1]), (200, 200, 200), 2)
    cv2.putText(out, victim, (x + 110, y + h - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                (230, 230, 230), 1, cv2.LINE_AA)  # fmt: skip
    return out


@pytest.mark.parametrize("victim", ["ZEPHYRUS", "BO", ""])
def test_a_line_naming_another_victim_still_matches(tmp_path: Path, victim: str):
    cv2.imwrite(str(tmp_path / "ref.png"), _line(_wall(60), "ZEPHYRUS"))
    spec = {"name": "feed", "events": {"kill": [{"reference": "ref.png", "box": list(LINE)}]}}
    indicator = load_profile(spec, base_dir=tmp_path).indicators[0]
    frame = cv2.cvtColor(_line(_wall(90), victim), cv2.COLOR_BGR2GRAY)
    found = Matcher(indicator, SIZE).find(SimpleNamespace(luma=frame, chroma=None))
    assert len(found) == 1
    assert found[0].score >= indicator.threshold
