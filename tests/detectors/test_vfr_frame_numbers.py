"""On variable-frame-rate files a frame number is a position in the frame index, not fps x time."""

from __future__ import annotations

import numpy as np

from detectors import detect, load_profile
from detectors.probe import frame_index
from detectors.synth import frame_times, make_match, write_video
from detectors.video import SampledReader


def _level(i: int) -> int:
    return 20 + (i * 37) % 200


def test_each_sampled_frame_is_the_frame_its_number_says(tmp_path):
    # Every frame is a flat grey whose level encodes its position: a wrong number shows at once.
    times = frame_times(4.0, 30, vfr=True, seed=3)
    assert len(set(np.round(np.diff(times), 3))) > 2  # really variable
    position = {float(t): i for i, t in enumerate(times)}

    def draw(t: float) -> np.ndarray:
        return np.full((144, 256, 3), _level(position[t]), np.uint8)

    video = tmp_path / "vfr.mp4"
    write_video(video, times, (256, 144), draw)
    index = frame_index(video)
    assert np.allclose(index, times, atol=1e-3)
    seen = 0
    for frame in SampledReader(video, index, sample_fps=10):
        assert frame.time_s == index[frame.number]
        assert abs(float(frame.luma.mean()) - _level_luma(_level(frame.number))) < 4
        seen += 1
    assert seen >= 30


def _level_luma(level: int) -> float:
    # Limited-range luma of a grey: 16 + 219 * level / 255.
    return 16 + 219 * level / 255


def test_events_on_a_vfr_match_carry_exact_frame_numbers(tmp_path):
    match = make_match(
        tmp_path, duration_s=7, size=(640, 360), kills=(1.3, 5.1), deaths=(3.2,), vfr=True
    )
    index = frame_index(match.video)
    result = detect(match.video, load_profile(match.profile), frame_index=index)
    assert [e.kind for e in result.events] == [e.kind for e in match.events]
    for got, want in zip(result.events, match.events, strict=True):
        assert got.time_s == index[got.frame]
        assert got.frame >= want.frame and got.time_s - want.time_s <= 1 / 8 + 1e-6
    assert result.frames_total == len(index)
