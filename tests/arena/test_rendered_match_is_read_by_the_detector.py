from pathlib import Path

from detectors import detect, load_profile
from tournaments.arena.profile import PROFILE_PATH
from tournaments.arena.video import render_match_video


def test_the_detector_finds_each_round_end_of_a_rendered_match(tmp_path: Path) -> None:
    path = tmp_path / "match.mp4"
    record = render_match_video(
        path, seed=12, agents=("cpu_medium", "cpu_hard"), characters=("kaito", "brick"),
        round_seconds=20, scale=2,
    )  # fmt: skip
    events = detect(path, load_profile(PROFILE_PATH)).events
    expected = [
        ("kill" if w == "p1" else "death", t)
        for w, t in zip(record.round_winners, record.round_end_times_s, strict=True)
        if w != "draw"
    ]
    assert expected, "the match should have at least one decided round"
    assert [e.kind for e in events] == [kind for kind, _ in expected]
    for event, (_, t) in zip(events, expected, strict=True):
        assert abs(event.time_s - t) <= 0.25
