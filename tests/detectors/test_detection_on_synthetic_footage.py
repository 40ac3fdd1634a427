"""Detection on synthetic footage with exact truth (720p video, 1080p reference screenshots)."""

from __future__ import annotations

import numpy as np

from detectors import detect
from detectors.probe import frame_index
from detectors.synth import SyntheticMatch
from tests.detectors.conftest import DEATHS, KILLS, interval


def test_it_finds_each_kill_and_death_within_one_sampling_interval(match720, profile720):
    result = detect(match720.video, profile720)
    step = interval(profile720)
    assert result.complete and result.message == ""
    for kind, times in (("kill", KILLS), ("death", DEATHS)):
        found = [e.time_s for e in result.events if e.kind == kind]
        assert len(found) == len(times), (kind, found)
        for got, want in zip(found, times, strict=True):
            assert want - 1e-6 <= got <= want + step + 1e-6, (kind, got, want)


def test_it_reports_an_indicator_that_stays_for_seconds_once(match720, profile720):
    # The death banner stays 3 s and each kill-feed line 2 s: no repeats inside those spans.
    events = detect(match720.video, profile720).events
    deaths = [e for e in events if e.kind == "death"]
    assert len(deaths) == 1
    assert 3.0 <= deaths[0].time_s < 3.2
    first_kill_line = [e for e in events if e.kind == "kill" and 1.4 <= e.time_s <= 3.6]
    assert len(first_kill_line) == 1


def test_it_reports_two_kills_in_a_row_as_two(match720, profile720):
    kills = [e.time_s for e in detect(match720.video, profile720).events if e.kind == "kill"]
    close = [t for t in kills if 4.9 <= t <= 6.2]
    assert len(close) == 2  # 1 s apart, well under min_gap_s, the second stacked under the first


def test_it_ignores_other_players_kills_in_the_feed(match720, profile720):
    kills = [e.time_s for e in detect(match720.video, profile720).events if e.kind == "kill"]
    assert not [t for t in kills if 7.5 <= t <= 9.0]


def test_event_frames_index_the_frame_index(match720: SyntheticMatch, profile720):
    index = frame_index(match720.video)
    for event in detect(match720.video, profile720, frame_index=index).events:
        assert event.time_s == index[event.frame]
        assert event.source == "auto" and 0.0 <= event.confidence <= 1.0


def test_it_reports_progress_up_to_one(match720, profile720):
    seen: list[float] = []
    detect(match720.video, profile720, progress=seen.append)
    assert len(seen) > 5
    assert seen == sorted(seen) and seen[-1] == 1.0 and 0.0 <= seen[0] < 0.2


def test_it_stops_when_asked(match720, profile720):
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 3

    result = detect(match720.video, profile720, should_stop=stop)
    assert not result.complete
    assert result.frames_decoded < result.frames_total
    assert "stopped" in result.message


def test_a_video_without_indicators_gives_no_events(tmp_path, profile720):
    from detectors.synth import make_match

    quiet = make_match(tmp_path, duration_s=3, kills=(), deaths=(), allies=(), size=(640, 360))
    result = detect(quiet.video, profile720)
    assert result.events == [] and result.complete
    assert np.isclose(result.frames_total, 90)


def test_waiting_samples_are_copies_and_only_until_every_indicator_is_locked(
    match720, profile720, monkeypatch
):
    """While an indicator is not locked, the latest samples wait for the scale search
    (detectors.detect.held). They wait as copies, so the decoder's frames go back to its pool:
    held as views they grew it by a frame each (12 MB at 4K). Once the kill line and the death
    banner are locked (at their first appearance, 1.5 s and 3.0 s) nothing waits or is copied."""
    from detectors.video import SampledFrame

    copied: list[tuple[SampledFrame, SampledFrame]] = []
    real = SampledFrame.detached

    def spy(self: SampledFrame) -> SampledFrame:
        copied.append((self, real(self)))
        return copied[-1][1]

    monkeypatch.setattr(SampledFrame, "detached", spy)
    result = detect(match720.video, profile720)
    assert [e.time_s for e in result.events if e.kind == "death"][0] < 3.2
    times = [orig.time_s for orig, _ in copied]
    assert times and times[0] < interval(profile720) + 1e-6  # from the first sample
    assert max(times) <= DEATHS[0] + 1e-6, times  # none once both are locked
    for orig, copy in copied:
        assert orig.luma.base is not None  # the reader's planes are the decoder's frame
        assert copy.luma.base is None and np.array_equal(copy.luma, orig.luma)
        assert all(c.base is None for c in copy.chroma or ())
