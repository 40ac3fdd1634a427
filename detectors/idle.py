"""Matching in the CPU time decoding leaves idle.

Detection decodes in one thread (FFmpeg's two frame threads under it keep about 1.5 of a 2-core
machine's cores busy) and matches the sampled frames in another. Any CPU work beside decoding
slowed it by more than that work's own time, whether it held the GIL or not (measured: 0.31 s of
OpenCV, numpy or pure-Python work spread over a 30 s 1080p60 file's 240 samples added 0.37-0.45 s
to its 1.5 s decode; the same time asleep added nothing). Run under Linux's ``SCHED_IDLE`` policy,
matching gets a core only where decoding leaves one idle, and detection takes little longer than
decoding alone (``python -m detectors.bench``; see the README's "Detection speed").

``SCHED_IDLE`` work gets almost no CPU while other work keeps every core busy (another job's
encode, a loaded web server). :func:`run` watches for that: where the matching thread has spent
more than ``STARVED_SHARE`` of the last ``STARVED_S`` ready to run but not running (the kernel's
run-queue wait, ``/proc/self/task/<tid>/schedstat``), the calling thread takes the rest of the
work over at its own priority. A thread cannot leave ``SCHED_IDLE`` again without privileges:
hence a thread of its own, for one detection.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

_T = TypeVar("_T")

# How often the calling thread looks at the matching thread (and polls ``should_stop``).
POLL_S = 0.05
# The matching thread is starved when, over at least this long...
STARVED_S = 0.25
# ...it waited this share of the time in the run queue (ready, not running).
STARVED_SHARE = 0.8


@dataclass
class Timing:
    """Where the matching time went."""

    wait_s: float = 0.0  # waiting for the next item (decoding)
    step_cpu_s: float = 0.0  # CPU time in ``step`` (its wall time is stretched by design)
    idle: bool = False  # the matching thread ran under SCHED_IDLE
    handed_over: bool = False  # starved, the calling thread took the rest over


def run(
    items: Iterator[_T], step: Callable[[_T], None], poll: Callable[[], bool]
) -> tuple[bool, Timing]:
    """Calls ``step`` on every item in order, in a thread that runs in idle CPU time.

    ``poll`` is called in the calling thread after every item, as a plain loop would (report
    progress there: it stays in the caller's thread, as database connections must), and every
    ``POLL_S`` while none comes; when it returns True, the run stops after the item in hand. An
    exception from ``items`` or ``step`` is raised here.

    Returns:
        Whether ``poll`` stopped the run, and the timing.
    """
    worker = _Worker(items, step)
    # The first item is taken here: a producer thread that ``items`` starts on its first next()
    # (detectors.video.prefetched) must keep this thread's priority, not inherit SCHED_IDLE.
    worker.first = worker.next_item()
    if not _watchable():
        # Without the run-queue figures starvation could not be seen: match here, as before.
        return worker.rest(poll), worker.timing
    worker.start()
    try:
        stopped = _watch(worker, poll)
    except BaseException:
        # ``poll`` failed (or the caller was interrupted): the thread ends before this returns,
        # so nothing else uses ``items`` or ``step`` once the caller goes on.
        worker.stop.set()
        worker.join()
        raise
    worker.join()
    if worker.error is not None:
        raise worker.error
    if worker.hand_over.is_set() and not worker.finished and not stopped:
        worker.timing.handed_over = True
        stopped = worker.rest(poll)
    return stopped, worker.timing


def _watch(worker: _Worker, poll: Callable[[], bool]) -> bool:
    """Polls after every item the worker steps; hands the work over if it starves (then the
    worker is told to stop after its item). Returns whether ``poll`` stopped the run."""
    stopped = False
    window: tuple[float, int] | None = None
    while True:
        try:
            if worker.stepped.get(timeout=POLL_S) is _END:
                return stopped
        except queue.Empty:
            pass
        if not stopped and poll():
            stopped = True
            worker.stop.set()
        waited = _run_queue_ns(worker.native_id)
        now = time.perf_counter()
        if waited is None or window is None:
            window = None if waited is None else (now, waited)
            continue
        span = now - window[0]
        if span >= STARVED_S:
            if (waited - window[1]) / 1e9 > STARVED_SHARE * span:
                worker.hand_over.set()
                return stopped
            window = (now, waited)


class _Worker(threading.Thread):
    def __init__(self, items: Iterator[_T], step: Callable[[_T], None]) -> None:
        super().__init__(name="detect-match", daemon=True)
        self.items, self.step = items, step
        self.stop, self.hand_over = threading.Event(), threading.Event()
        self.timing = Timing()
        self.error: BaseException | None = None
        self.finished = False  # every item stepped
        self.first: object = _END
        # _STEPPED after every item, _END when the thread is done.
        self.stepped: queue.SimpleQueue[object] = queue.SimpleQueue()

    def run(self) -> None:
        self.timing.idle = _idle_policy()
        try:
            while not (self.stop.is_set() or self.hand_over.is_set()):
                if not self._one():
                    return
                self.stepped.put(_STEPPED)
        except BaseException as exc:  # noqa: BLE001 - raised again in the calling thread
            self.error = exc
        finally:
            self.stepped.put(_END)

    def rest(self, poll: Callable[[], bool]) -> bool:
        """The remaining items, stepped in the calling thread; whether ``poll`` stopped it."""
        while self._one():
            if poll():
                return True
        return False

    def next_item(self) -> object:
        clock = time.perf_counter()
        item = next(self.items, _END)
        self.timing.wait_s += time.perf_counter() - clock
        return item

    def _one(self) -> bool:
        """Steps the next item; False when there is none."""
        if self.first is not _END:
            item, self.first = self.first, _END
        else:
            item = self.next_item()
        if item is _END:
            self.finished = True
            return False
        cpu = time.thread_time()
        self.step(item)  # type: ignore[arg-type]
        self.timing.step_cpu_s += time.thread_time() - cpu
        return True


_END, _STEPPED = object(), object()


def _idle_policy() -> bool:
    """Puts the calling thread under SCHED_IDLE (Linux); False where that is not possible."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # 0: this thread
    except (AttributeError, OSError):
        return False
    return True


def _run_queue_ns(tid: int | None) -> int | None:
    """Nanoseconds thread ``tid`` of this process has spent ready to run but not running."""
    try:
        with open(f"/proc/self/task/{tid}/schedstat") as f:
            return int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _watchable() -> bool:
    return hasattr(os, "SCHED_IDLE") and _run_queue_ns(threading.get_native_id()) is not None
