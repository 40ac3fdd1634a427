"""Clip benchmark: ``python -m detectors.bench_clips [VIDEO] [--events 10] [--seconds 30]``.

On one file, in one run, it times what re-processing a replay costs: (a) detection (the bench
profile's search regions, as ``detectors.bench``); (b) the job's clip step now: a thumbnail per
event, decoded from the packet index, and no clip (clips are cut when first opened:
``replays.clips``), for ``--events`` events spread over the file; (c) cutting every clip up
front with its thumbnail (``cut_clip``: stream copy from the first IDR, head re-encoded; the job
before clips were lazy, and ``EAGER_CLIPS=true`` now) with the default window (8 s before, 3 s
after); (d) the older way, every clip re-encoded whole with x264 and thumbnails by FFmpeg's exact
seek; (e) the review proxy the job makes (keyint 6); (f) one first open of a clip, what a viewer
waits for: the source's clock and packet index read, then one 11 s clip cut (the median of
``--opens`` clips). Wall and CPU seconds (this process and its FFmpeg children) are printed for
each, with ratios against (a).
Without a file it makes a 1080p60 H.264 recording like OBS writes (GOP 120, 3 B-frames, 8 Mbit/s,
grain, AAC audio).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from detectors.bench import _bench_profiles, _ffmpeg


def make_input(path: Path, seconds: int) -> Path:
    src = f"testsrc2=size=1920x1080:rate=60:duration={seconds}"
    args = [_ffmpeg(), "-nostdin", "-y", "-v", "error", "-f", "lavfi", "-i", src]
    args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    args += ["-vf", "noise=alls=12:allf=t,hue=H=t", "-c:v", "libx264", "-preset", "superfast"]
    args += ["-bf", "3", "-g", "120", "-b:v", "8M", "-maxrate", "10M", "-bufsize", "16M"]
    args += ["-pix_fmt", "yuv420p", "-c:a", "aac", str(path)]
    subprocess.run(args, check=True)
    return path


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), _cpu()
    fn()
    return time.perf_counter() - wall, _cpu() - cpu


def main(argv: list[str] | None = None) -> int:
    from detectors import detect, load_profile
    from detectors.clips import cut_clip, make_review_proxy, thumbnail
    from detectors.probe import clock_of, frame_index
    from detectors.smartcut import read_packets

    parser = argparse.ArgumentParser(prog="python -m detectors.bench_clips", description=__doc__)
    parser.add_argument("video", nargs="?", type=Path, help="a recording (default: generate)")
    parser.add_argument("--seconds", type=int, default=30, help="length of the generated file")
    parser.add_argument("--events", type=int, default=10, help="clips to cut")
    parser.add_argument("--opens", type=int, default=3, help="first opens to time for (f)")
    parser.add_argument(
        "--skip-whole", action="store_true", help="skip (d), the slowest step (minutes)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        video = args.video
        if video is None:
            print(f"generating a {args.seconds} s 1080p60 recording...", file=sys.stderr)
            video = make_input(folder / "typical_1080p60_8mbit.mp4", args.seconds)
        times = frame_index(video)
        length = float(times[-1])
        events = [length * (i + 0.5) / args.events for i in range(args.events)]
        windows = [(max(0.0, t - 8.0), min(length, t + 3.0), t) for t in events]
        profile = load_profile(_bench_profiles(folder)["synthetic"])
        clock = clock_of(video)
        load = os.getloadavg()[0]
        print("measuring (a) detection...", file=sys.stderr)
        rows = {"(a) detection": timed(lambda: detect(video, profile, frame_index=times))}

        def thumbs() -> None:
            packets = read_packets(video)
            for n, (_, _, at) in enumerate(windows):
                thumbnail(video, at, folder / f"t{n}.jpg", clock=clock, packets=packets)

        def eager() -> None:
            packets = read_packets(video)
            for n, (start, end, at) in enumerate(windows):
                cut_clip(video, folder / f"n{n}.mp4", start, end, clock=clock, packets=packets)
                thumbnail(video, at, folder / f"n{n}.jpg", clock=clock, packets=packets)

        def old() -> None:
            for n, (start, end, at) in enumerate(windows):
                cut_clip(video, folder / f"o{n}.mp4", start, end, clock=clock, full=True)
                thumbnail(video, at, folder / f"o{n}.jpg", clock=clock)

        def first_open(n: int) -> None:  # what replays.clips.clip_file does for a missing file
            start, end, _ = windows[n]
            opened = clock_of(video)
            cut_clip(
                video, folder / f"f{n}.mp4", start, end, clock=opened, packets=read_packets(video)
            )

        print("measuring (b) the job's clip step (thumbnails)...", file=sys.stderr)
        rows["(b) job's clip step now: thumbnails only"] = timed(thumbs)
        print("measuring (c) clips cut up front...", file=sys.stderr)
        rows["(c) every clip cut up front + thumbnails (before; EAGER_CLIPS)"] = timed(eager)
        if not args.skip_whole:
            print("measuring (d) clips re-encoded whole...", file=sys.stderr)
            rows["(d) every clip re-encoded whole + thumbnails (older)"] = timed(old)
        print("measuring (e) review proxy...", file=sys.stderr)
        rows["(e) review proxy (keyint 6)"] = timed(
            lambda: make_review_proxy(video, folder / "proxy.mp4", keyint=6)
        )
        print("measuring (f) first opens...", file=sys.stderr)
        full = [n for n, (start, end, _) in enumerate(windows) if end - start > 10.9]
        picks = (full or list(range(len(windows))))[: args.opens]
        opens = sorted((timed(lambda n=n: first_open(n)) for n in picks), key=lambda r: r[0])
        rows[f"(f) one first open of an 11 s clip (median of {len(opens)})"] = opens[
            len(opens) // 2
        ]
        size = lambda prefix: sum(  # noqa: E731
            (folder / f"{prefix}{n}.mp4").stat().st_size for n in range(len(windows))
        )
        a_wall, a_cpu = rows["(a) detection"]
        print(
            f"{video.name}: {length:.1f} s, {len(windows)} events, clips 8 s before to 3 s after\n"
        )
        print("| step | wall s | CPU s | wall / (a) | CPU / (a) |")
        print("|---|---|---|---|---|")
        for name, (wall, cpu) in rows.items():
            print(f"| {name} | {wall:.2f} | {cpu:.2f} | {wall / a_wall:.2f} | {cpu / a_cpu:.2f} |")
        b_cpu, c_cpu = (rows[k][1] for k in list(rows)[1:3])
        f_wall = rows[list(rows)[-1]][0]
        whole = (
            "" if args.skip_whole else f"; re-encoded whole: {rows[list(rows)[3]][1] / a_cpu:.2f}x"
        )
        sizes = f"{size('n') / 1e6:.1f} MB" + (
            "" if args.skip_whole else f" vs {size('o') / 1e6:.1f} MB re-encoded whole"
        )
        print(
            f"\nthe job's clip step: {b_cpu:.2f} s CPU = {b_cpu / a_cpu:.2f}x detection "
            f"(cutting every clip up front: {c_cpu / a_cpu:.2f}x{whole}). A viewer's first "
            f"open of a clip waits {f_wall:.2f} s; later opens read the stored file. Clips cut "
            f"up front: {sizes}. {os.cpu_count()} CPUs, load average {load:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
