"""How many alternating runs the speed benchmark makes of a file by default."""

from __future__ import annotations

from detectors.bench import MAX_RUNS, runs_for


def test_short_files_get_more_runs_long_ones_three():
    # A few seconds' clip runs in half a second: its best of three moves with any load.
    assert runs_for(60.0) == 3
    assert runs_for(600.0) == 3
    assert runs_for(12.0) == 5
    assert runs_for(6.8) == MAX_RUNS == 9
    assert runs_for(2.8) == MAX_RUNS
    assert runs_for(0.0) == MAX_RUNS
