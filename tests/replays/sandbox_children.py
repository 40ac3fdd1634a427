"""This test process's decoding children (``detectors.sandbox``), and crashing the first one."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def sandbox_children() -> list[int]:
    """Pids of this process's live ``detectors.sandbox`` children."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        after = stat.rsplit(")", 1)[1].split()
        if int(after[1]) == os.getpid() and b"detectors.sandbox" in cmdline and after[0] != "Z":
            found.append(int(entry.name))
    return found


@contextmanager
def first_child_crashed() -> Iterator[list[int]]:
    """While the body runs, the first decoding child to start gets SIGSEGV (a real crash of
    the process, as a decoder bug gives). Yields the list of pids crashed (one, once it has)."""
    stop = threading.Event()
    crashed: list[int] = []

    def crash_the_first_child() -> None:
        while not stop.is_set():
            for pid in sandbox_children():
                os.kill(pid, signal.SIGSEGV)
                crashed.append(pid)
                return
            time.sleep(0.005)

    thread = threading.Thread(target=crash_the_first_child)
    thread.start()
    try:
        yield crashed
    finally:
        stop.set()
        thread.join()
