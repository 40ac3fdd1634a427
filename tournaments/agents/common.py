"""Small helpers shared by the trainers and the evaluation script (no Django)."""

from __future__ import annotations

import csv
import os
import random
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

Policy = Callable[[np.ndarray], int]
ProgressFn = Callable[[Mapping[str, Any]], None]


def seed_everything(seed: int) -> None:
    """Seeds Python, numpy and torch so a run can be repeated."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class MetricsCSV:
    """Appends rows to a CSV file with a fixed header, flushing each row (a live training curve)."""

    def __init__(self, path: str | os.PathLike[str], fields: Sequence[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fields = list(fields)
        with self.path.open("w", newline="") as fh:
            csv.writer(fh).writerow(self.fields)

    def write(self, row: Mapping[str, Any]) -> None:
        """Writes one row; floats get 6 significant digits."""
        values = [row.get(f, "") for f in self.fields]
        values = [f"{v:.6g}" if isinstance(v, float) else v for v in values]
        with self.path.open("a", newline="") as fh:
            csv.writer(fh).writerow(values)


class ProgressBar:
    """A one-line progress bar on a terminal; plain periodic lines otherwise (logs, CI).

    Args:
        total: Units of work (steps or seconds) that make 100 %.
        label: Text before the bar.
        stream: Where to write (stderr by default).
    """

    def __init__(self, total: float, label: str = "", stream: Any = None) -> None:
        self.total = max(float(total), 1e-9)
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0

    def update(self, done: float, text: str = "") -> None:
        """Redraws the bar (at most 10 times a second on a terminal, every 10 s otherwise)."""
        now = time.monotonic()
        if now - self._last < (0.1 if self.tty else 10.0) and done < self.total:
            return
        self._last = now
        frac = min(max(done / self.total, 0.0), 1.0)
        if self.tty:
            bar = "#" * int(frac * 30)
            self.stream.write(f"\r{self.label} [{bar:<30}] {frac:6.1%} {text}\x1b[K")
        else:
            self.stream.write(f"{self.label} {frac:6.1%} {text}\n")
        self.stream.flush()

    def close(self) -> None:
        """Ends the bar's line."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def make_single_env(**kwargs: Any) -> Any:
    """The arena's Gymnasium single-agent env (``tournaments.arena.make_single_env``)."""
    try:
        from tournaments.arena import make_single_env as make
    except ImportError:  # older arena versions exported it only from its module
        from tournaments.arena.single import make_single_env as make
    return make(**kwargs)
