"""What handing a profile to the decoding sandbox costs (``detectors.sandbox``).

Makes a synthetic match (``detectors.synth``: a 2 s 1280x720 clip and a profile of two 1080p
reference screenshots), loads the profile (the reference cache warm, as in a worker), then in
fresh children, ``RUNS`` times each:

* ``pickle via file`` and ``shared memory``: the request of a detection with that profile sent
  and received in this process, as before (pickled whole through a file) and now
  (``sandbox.pack_request``: the arrays in shared memory), a byte of each page then read;
* ``empty``: ``sandbox.run("builtins:id", None)``, a child that receives nothing;
* ``profile``: the same with the profile: the difference is the parent -> child transfer;
* ``first progress``: ``load_profile`` plus ``sandbox.detect`` until the child's first progress
  report (the time to start a detection, as the replay job does it);
* ``detect``: ``load_profile`` plus the whole ``sandbox.detect`` of the clip.

``python -m detectors.bench_sandbox [RUNS]`` prints the bytes sent and best / median times.
"""

from __future__ import annotations

import os
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

from detectors import sandbox
from detectors.profile import load_profile
from detectors.synth import make_match

LIMITS = sandbox.Limits(timeout_s=120, memory_mb=0)


def _times(call, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        call(start)
        out.append(time.perf_counter() - start)
    return out


def _touch(request) -> int:
    """Reads a byte of every page of the profile's arrays, as detection will."""
    profile = request[1][1]
    arrays = [a for ind in profile.indicators for a in (ind.image, ind.image_bgr)]
    return sum(int(a.reshape(-1)[::4096].sum()) for a in arrays)


def _through_a_file(request) -> int:
    """The transfer as it was before: the whole request pickled through a file."""
    with tempfile.TemporaryFile() as fh:
        fh.write(pickle.dumps(request))
        fh.seek(0)
        return _touch(pickle.loads(fh.read()))


def _shared(request) -> int:
    """The transfer now: the arrays in shared memory (``sandbox.pack_request``)."""
    raw, fd = sandbox.pack_request(request)
    with tempfile.TemporaryFile() as fh:
        fh.write(raw)
        fh.seek(0)
        return _touch(sandbox.unpack_request(fh.read(), fd))


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else 8
    with tempfile.TemporaryDirectory() as tmp:
        match = make_match(
            Path(tmp), duration_s=2, fps=30, size=(1280, 720), kills=(1.0,), deaths=(), allies=()
        )
        profile = load_profile(match.profile)  # warms the reference cache
        sizes = [ind.image_bgr.shape for ind in profile.indicators]
        print(f"profile: {len(profile.indicators)} references {sizes}")
        print(f"pickled profile: {len(pickle.dumps(profile)) / 1e6:.1f} MB")
        request, shared = sandbox.pack_request(("builtins:id", (profile,), {}, False, 0))
        in_shared = os.fstat(shared).st_size if shared is not None else 0
        if shared is not None:
            os.close(shared)
        print(
            f"sent to the child: {len(request) / 1e3:.1f} kB on stdin, "
            f"{in_shared / 1e6:.1f} MB in shared memory"
        )
        first: list[float] = []

        def until_first_progress(start: float) -> None:
            seen: list[float] = []

            def progress(_fraction: float) -> None:
                if not seen:
                    seen.append(time.perf_counter() - start)

            loaded = load_profile(match.profile)
            sandbox.detect(match.video, loaded, limits=LIMITS, progress=progress)
            first.append(seen[0])

        request = ("detectors.detect:detect", (match.video, profile), {}, True, 4096)
        for name, way in (("pickle via file", _through_a_file), ("shared memory", _shared)):
            values = _times(lambda _s, way=way: way(request), runs * 3)
            print(
                f"{name:15s} best {min(values) * 1000:7.1f} ms   "
                f"median {statistics.median(values) * 1000:7.1f} ms   (in one process)"
            )
        rows = {
            "empty": _times(lambda _s: sandbox.run("builtins:id", None, limits=LIMITS), runs),
            "profile": _times(lambda _s: sandbox.run("builtins:id", profile, limits=LIMITS), runs),
            "detect": _times(until_first_progress, runs),
        }
        rows["first progress"] = first
        for name, values in rows.items():
            print(
                f"{name:15s} best {min(values) * 1000:7.1f} ms   "
                f"median {statistics.median(values) * 1000:7.1f} ms"
            )
        transfer = statistics.median(rows["profile"]) - statistics.median(rows["empty"])
        print(f"transfer (profile - empty, medians): {transfer * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
