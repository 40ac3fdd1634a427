"""The event rule on count sequences: one event per appearance, debounced by min_gap_s."""

from __future__ import annotations

from types import SimpleNamespace

from detectors.detect import _Debouncer, _Track

STEP = 1 / 8


def _track(kind: str = "kill") -> _Track:
    return _Track(matcher=SimpleNamespace(indicator=SimpleNamespace(kind=kind)))  # type: ignore[arg-type]


def _run(counts_by_track: list[tuple[_Track, list[int]]], min_gap_s: float = 2.0) -> list[float]:
    debouncer = _Debouncer(min_gap_s)
    for n in range(max(len(c) for _, c in counts_by_track)):
        for track, counts in counts_by_track:
            if n < len(counts):
                debouncer.step(track, n, n * STEP, [0.9] * counts[n])
    return [e.time_s for e in debouncer.events]


def test_an_indicator_shown_for_seconds_is_one_event():
    assert _run([(_track(), [0, 0] + [1] * 24 + [0, 0])]) == [2 * STEP]


def test_a_one_frame_miss_does_not_split_an_indicator():
    assert _run([(_track(), [0, 1, 1, 0, 1, 1, 0, 0, 1, 1])]) == [STEP]


def test_a_short_absence_within_min_gap_is_the_same_event():
    # Gone 0.5 s (a cut, a scoreboard) and back: not clearly gone, so not a new kill.
    assert _run([(_track(), [1] * 4 + [0] * 4 + [1] * 4)]) == [0.0]


def test_an_indicator_clearly_gone_and_back_is_a_new_event_even_within_min_gap():
    times = _run([(_track(), [1] * 2 + [0] * 9 + [1] * 2)])
    assert times == [0.0, 11 * STEP]


def test_a_stacked_second_entry_is_a_second_event():
    assert _run([(_track(), [1, 1, 1, 2, 2, 2, 1, 1])]) == [0.0, 3 * STEP]


def test_a_second_indicator_of_the_same_kind_does_not_count_the_same_kill_again():
    feed, medal = _track(), _track()
    assert _run([(feed, [0, 1, 1, 1, 1]), (medal, [0, 0, 1, 1, 0])]) == [STEP]


def test_after_min_gap_a_reappearance_is_a_new_event():
    times = _run([(_track(), [1] * 2 + [0] * 3 + [1] * 2)], min_gap_s=0.5)
    assert times == [0.0, 5 * STEP]


def test_kinds_are_debounced_separately():
    assert _run([(_track("kill"), [0, 1, 1]), (_track("death"), [0, 1, 1])]) == [STEP, STEP]


def test_two_indicators_of_one_feed_count_a_stacked_entry_once():
    # Two references of the same kill-feed line (the top slot's, the second slot's) both see
    # the first line, then both see the second one stack under it: two kills, not three.
    top, second = _track(), _track()
    counts = [0, 1, 1, 1, 2, 2, 2, 1]
    assert _run([(top, counts), (second, counts)]) == [STEP, 4 * STEP]


def test_a_stacked_entry_one_indicator_lost_for_a_moment_is_not_counted_again():
    # The second slot's reference misses the top line for a few samples while the other still
    # sees both lines; when it finds both again, nothing new came.
    top, second = _track(), _track()
    assert _run([(top, [1, 2, 2, 2, 2, 2, 2]), (second, [1, 2, 1, 0, 1, 2, 2])]) == [0.0, STEP]
