"""Matching runs in the CPU time decoding leaves idle, and never starves (detectors.idle)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from detectors import idle


def _busy(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def _steps(count: int, cpu_s: float = 0.0):
    seen: list[tuple[int, int]] = []

    def step(item: int) -> None:
        _busy(cpu_s)
        seen.append((item, threading.get_native_id()))

    return iter(range(count)), step, seen


def test_every_item_is_stepped_in_order_in_a_thread_of_its_own_under_sched_idle():
    items, step, seen = _steps(50)
    polls = []
    stopped, timing = idle.run(items, step, lambda: polls.append(1) and False)
    assert not stopped and [i for i, _ in seen] == list(range(50))
    assert len(polls) >= 50  # after every item, as a plain loop would (progress per sample)
    assert timing.idle and {tid for _, tid in seen} != {threading.get_native_id()}
    # The policy stayed with that thread: this one is as it was.
    assert os.sched_getscheduler(0) == os.SCHED_OTHER


def test_poll_stops_the_run_and_errors_come_back_to_the_caller():
    items, step, seen = _steps(10_000, 0.001)
    stopped, _timing = idle.run(items, step, lambda: len(seen) >= 20)
    assert stopped and 20 <= len(seen) < 10_000

    def fails(item: int) -> None:
        if item == 3:
            raise ValueError("bad frame 3")

    with pytest.raises(ValueError, match="bad frame 3"):
        idle.run(iter(range(10)), fails, lambda: False)


def test_the_first_item_is_taken_in_the_calling_thread():
    # A producer that starts its thread on the first next() (detectors.video.prefetched) must
    # not inherit SCHED_IDLE.
    takers = []

    def produce():
        for n in range(5):
            takers.append(threading.get_native_id())
            yield n

    idle.run(produce(), lambda item: None, lambda: False)
    assert takers[0] == threading.get_native_id()


def test_when_other_work_keeps_every_core_busy_the_caller_takes_the_matching_over():
    # Under SCHED_IDLE the matching thread would get almost no CPU beside these; the caller sees
    # it wait in the run queue and matches the rest at its own priority, so the run ends.
    hogs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range((os.cpu_count() or 1) + 1)
    ]
    try:
        time.sleep(0.3)  # the hogs are running
        items, step, seen = _steps(150, 0.002)
        started = time.perf_counter()
        stopped, timing = idle.run(items, step, lambda: False)
        took = time.perf_counter() - started
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert not stopped and [i for i, _ in seen] == list(range(150))
    assert timing.idle and timing.handed_over, timing
    # The items after the hand-over were stepped in this thread.
    assert seen[-1][1] == threading.get_native_id()
    assert took < 30, took


def test_when_poll_fails_the_matching_thread_has_ended_before_the_error_comes_back():
    # Else it would go on stepping (and reading the decoder's frames) while the caller's
    # clean-up closes them.
    items, step, seen = _steps(10_000, 0.001)

    def fails() -> bool:
        raise RuntimeError("the caller's error")

    with pytest.raises(RuntimeError, match="the caller's error"):
        idle.run(items, step, fails)
    assert not [t for t in threading.enumerate() if t.name == "detect-match"]
    assert len(seen) < 10_000
