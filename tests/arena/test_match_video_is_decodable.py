from pathlib import Path

import av
import numpy as np
import pytest

from tournaments.arena.render import P1_WINS_BOX, P2_WINS_BOX
from tournaments.arena.video import frame_count, render_match_video


def test_the_video_decodes_with_one_frame_per_tick_and_shows_the_winner(tmp_path: Path) -> None:
    path = tmp_path / "match.mp4"
    record = render_match_video(
        path, seed=3, agents=("cpu_hard", "random"), characters=("volt", "vixen"),
        max_rounds=1, round_seconds=8, scale=1,
    )  # fmt: skip
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    assert len(frames) == frame_count(record) == record.ticks + 1
    assert frames[0].shape == (224, 256, 3)
    end = record.round_end_ticks[0]
    box = P1_WINS_BOX if record.round_winners[0] == "p1" else P2_WINS_BOX
    colour = (20, 30, 130) if record.round_winners[0] == "p1" else (130, 20, 20)
    x, y, w, h = box
    assert record.round_winners[0] in ("p1", "p2")
    # The banner appears exactly at the round-end frame (allowing for lossy coding).
    shown = np.abs(frames[end][y + 1, x + 1].astype(int) - colour).max()
    before = np.abs(frames[end - 1][y + 1, x + 1].astype(int) - colour).max()
    assert shown < 20 < before


def test_thirty_fps_keeps_every_other_tick(tmp_path: Path) -> None:
    path = tmp_path / "half.mp4"
    record = render_match_video(
        path, seed=1, agents=("random", "random"), max_rounds=1, round_seconds=2, fps=30, scale=1
    )
    with av.open(str(path)) as container:
        count = sum(1 for _ in container.decode(video=0))
    assert count == frame_count(record, fps=30) == record.ticks // 2 + 1


def test_it_rejects_a_missing_output_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="output folder does not exist"):
        render_match_video(tmp_path / "nope" / "m.mp4", seed=0)


def test_the_video_shows_the_players_and_the_live_win_probability_bar(tmp_path: Path) -> None:
    from tournaments.arena.winprob import load_default

    path = tmp_path / "show.mp4"
    model = load_default()
    assert model is not None
    match = {"p1": {"name": "alice", "rating": 1500}, "p2": {"name": "bob", "rating": 1400}}
    record = render_match_video(
        path, seed=4, agents=("cpu_hard", "random"), characters=("kaito", "brick"),
        max_rounds=1, round_seconds=6, scale=1, match=match, win_prob=model,
    )  # fmt: skip
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == record.ticks + 1

    def blue_share(frame: np.ndarray) -> float:
        bar = frame[216, 12:244].astype(int)
        blue = (np.abs(bar - (40, 90, 255)).max(axis=1) < 60).sum()
        red = (np.abs(bar - (255, 50, 50)).max(axis=1) < 60).sum()
        return blue / max(1, blue + red)

    # The bar starts near even and ends on the winner's side.
    assert 0.25 < blue_share(frames[0]) < 0.75
    end = blue_share(frames[-1])
    assert end > 0.9 if record.winner == "p1" else end < 0.1
