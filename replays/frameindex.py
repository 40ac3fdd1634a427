"""The frame index on the wire: runs of evenly spaced frames instead of one number per frame.

An hour at 60 fps is 216,000 frame times; as a JSON list that is ~2.5 MB per page load. Almost
every recording is made of long runs where frame times step evenly once rounded to the file's
time base, so the index is sent as runs ``[first_us, step_us, count]``: frame ``k`` of a run is
at ``q * floor((first_us + k * step_us) / q + 0.5)`` microseconds, where ``q`` is the time
quantum every time is a multiple of (1000 for a WebM's millisecond time base, else 1). The
encoder checks every expanded value against the real one, so variable-frame-rate recordings stay
exact: they just take more runs. ``static/js/review.js`` expands the same formula with the same
IEEE double operations.
"""

from __future__ import annotations

import math

import numpy as np


def _micros(times: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(times, dtype=np.float64) * 1_000_000).astype(np.int64)


def _quantum(us: np.ndarray) -> int:
    q = int(np.gcd.reduce(us)) if us.size else 1
    return q if q in (10, 100, 1000) else 1


def _expand(first: int, step: float, count: int, q: int) -> np.ndarray:
    k = np.arange(count, dtype=np.float64)
    return (np.floor((first + k * step) / q + 0.5) * q).astype(np.int64)


def _fits(us: np.ndarray, i: int, m: int, q: int) -> float | None:
    """A step that reproduces ``us[i:i+m]`` exactly from ``us[i]``, or None."""
    if m == 1:
        return 0.0
    k = np.arange(m, dtype=np.float64)
    rel = (us[i : i + m] - us[i]).astype(np.float64)
    step = float((k * rel).sum() / (k * k).sum())  # least squares through the run's first frame
    for candidate in (step, float(rel[-1] / (m - 1))):
        if np.array_equal(_expand(int(us[i]), candidate, m, q), us[i : i + m]):
            return candidate
    return None


def encode(times: np.ndarray, start_s: float = 0.0) -> dict:
    """The compact payload of a frame index (frame-index seconds, frame 0 at 0.0).

    Returns:
        ``{"count", "start_s", "q", "runs": [[first_us, step_us, count], ...]}``.
    """
    us = _micros(times)
    n, q = int(us.size), _quantum(us)
    runs: list[list] = []
    i = 0
    while i < n:
        # Grow the run by doubling while it still fits, then search the exact end.
        good, step, m = 1, 0.0, 2
        while i + good < n:
            m = min(good * 2, n - i)
            fitted = _fits(us, i, m, q)
            if fitted is None:
                break
            good, step = m, fitted
            if m == n - i:
                break
        else:
            m = good
        lo, hi = good, m  # fits at lo, fails at hi (or hi == lo)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            fitted = _fits(us, i, mid, q)
            if fitted is None:
                hi = mid
            else:
                lo, step = mid, fitted
        runs.append([int(us[i]), step, lo])
        i += lo
    return {"count": n, "start_s": float(start_s), "q": q, "runs": runs}


def decode(payload: dict) -> np.ndarray:
    """The frame times (s) a payload stands for, exactly as the page expands them."""
    q = payload["q"]
    parts = [_expand(first, step, count, q) for first, step, count in payload["runs"]]
    us = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    return us / 1_000_000


def check_roundtrip(times: np.ndarray) -> bool:
    """True when the payload expands back to every time rounded to the microsecond."""
    return bool(np.array_equal(_micros(decode(encode(times))), _micros(times)))


assert math.floor(0.5) == 0  # the JS side uses Math.floor(x + 0.5), the same half-up rounding
