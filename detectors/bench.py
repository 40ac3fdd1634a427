"""Speed benchmark: ``python -m detectors.bench [VIDEO ...]``.

Compares, on the same file in one run, each in its own process (peak RSS from ``wait4``):

(a) our detector (``detect``: skip non-reference frames and the loop filter, 2 threads,
    ~8 sampled frames/s, ROI template matching in the caller's thread while a thread decodes),
    with each of two profiles: ``synthetic`` (a kill-feed line and a death banner, both colour
    indicators, default search regions) and ``large`` (four indicators, one a colour one, with
    search regions of a quarter to half the frame). Neither indicator appears in the generated
    files, so the whole-frame scale search runs through the file: the costliest case. Its
    split: (a) decode = the same reader alone, (a) match = time matching in the caller's thread.
(b) FFmpeg decoding only what detection needs:
    ``ffmpeg -skip_frame noref -skip_loop_filter all -threads 2 -i X -f null -``;
(c) the naive way public highlight clippers work: OpenCV reads every frame and matches the
    template over the whole frame. It is slow, so it runs on the first ``--naive-seconds`` only
    and its speed is given per second of video.

(a) and (b) alternate ``--repeat`` times (default 3, up to 9 for a file under 20 s: see
``runs_for``) and the best run of each is kept, since the machine may be busy with other work.
With no files it first makes two 1080p60 H.264 files with FFmpeg (low-motion, and a "typical
recording" at ~8 Mbit/s with B-frames). Detection uses a synthetic profile (a 1080p reference
screenshot of the synthetic UI); the figures are about speed, not accuracy.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# Default runs: enough for about this much video in all, 3 to MAX_RUNS (see runs_for).
SHORT_FILE_VIDEO_S = 60.0
MAX_RUNS = 9


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def make_inputs(folder: Path, seconds: int) -> list[Path]:
    """Two 1080p60 H.264 files: low-motion, and a typical 6-12 Mbit/s recording with B-frames."""
    low = folder / "low_motion_1080p60.mp4"
    typical = folder / "typical_1080p60_8mbit.mp4"
    src = f"testsrc2=size=1920x1080:rate=60:duration={seconds}"
    common = ["-nostdin", "-y", "-v", "error", "-f", "lavfi", "-i", src]
    subprocess.run(
        [_ffmpeg(), *common, "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
         "-pix_fmt", "yuv420p", str(low)], check=True,
    )  # fmt: skip
    # Grain and motion make it as costly to decode as a real capture; B-frames as OBS writes them.
    subprocess.run(
        [_ffmpeg(), *common, "-vf", "noise=alls=12:allf=t,hue=H=t", "-c:v", "libx264",
         "-preset", "superfast", "-bf", "3", "-g", "120", "-b:v", "8M", "-maxrate", "10M",
         "-bufsize", "16M", "-pix_fmt", "yuv420p", str(typical)], check=True,
    )  # fmt: skip
    return [low, typical]


def _bench_profiles(folder: Path) -> dict[str, Path]:
    """The synthetic UI's profile, and a "large" one: four indicators with big search regions."""
    from detectors.synth import _write_profile

    small = _write_profile(folder, "bench", (1920, 1080), seed=0)
    spec = json.loads(small.read_text())
    kill, death = spec["events"]["kill"][0], spec["events"]["death"][0]
    line = [kill["box"][0], kill["box"][1], round(kill["box"][2] / 0.52), kill["box"][3]]
    spec["name"] = "large"
    spec["events"] = {
        "kill": [
            {**kill, "search": [960, 0, 960, 540], "color": True},
            {**kill, "box": line, "search": [960, 0, 960, 1080], "color": False},
        ],
        "death": [
            {**death, "search": [0, 270, 1920, 810], "color": False},
            {**death, "search": [480, 270, 960, 540], "color": False, "threshold": 0.8},
        ],
    }
    large = folder / "large.profile.json"
    large.write_text(json.dumps(spec))
    return {"synthetic": small, "large": large}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measure(cmd: list[str]) -> tuple[float, float, str, float]:
    """Runs a command; returns (wall seconds, peak RSS MiB, stdout, CPU seconds)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed")
    return wall, usage.ru_maxrss / 1024, out, usage.ru_utime + usage.ru_stime


def _child_detect(video: str, profile: str) -> None:
    from detectors import detect, load_profile
    from detectors.video import own_frame_index

    start = time.perf_counter()
    index = own_frame_index(video)
    indexed, cpu0 = time.perf_counter(), _cpu()
    result = detect(video, load_profile(profile), frame_index=index)
    done = time.perf_counter()
    print(json.dumps({"index_s": indexed - start, "detect_s": done - indexed,
                      "cpu_s": _cpu() - cpu0, "events": len(result.events),
                      "match_s": result.match_s, "wait_s": result.wait_s}))  # fmt: skip


def _child_decode(video: str, profile: str) -> None:
    """The detector's reader alone (same frames, same planes): the decode half of the split."""
    from detectors import load_profile
    from detectors.matching import uses_color
    from detectors.video import SampledReader, own_frame_index

    spec = load_profile(profile)
    chroma = any(uses_color(ind) for ind in spec.indicators)
    index = own_frame_index(video)
    start = time.perf_counter()
    for _frame in SampledReader(video, index, spec.sample_fps, chroma=chroma):
        pass
    print(json.dumps({"decode_s": time.perf_counter() - start}))


def _child_naive(video: str, profile: str, seconds: float) -> None:
    import cv2

    from detectors import load_profile

    ind = load_profile(profile).indicators[0]
    x, y, w, h = ind.box
    template = ind.image[y : y + h, x : x + w]
    cap = cv2.VideoCapture(video)
    fps = cap.get(cv2.CAP_PROP_FPS) or 60.0
    start = time.perf_counter()
    frames = 0
    while frames < seconds * fps:
        ok, frame = cap.read()
        if not ok:
            break
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        cv2.minMaxLoc(cv2.matchTemplate(gray, template, cv2.TM_CCOEFF_NORMED))
        frames += 1
    print(json.dumps({"seconds": time.perf_counter() - start, "video_s": frames / fps}))


def _duration(video: Path) -> float:
    from detectors.video import own_frame_index

    index = own_frame_index(video)
    step = float(np.median(np.diff(index))) if len(index) > 1 else 0.0
    return float(index[-1]) + step


def runs_for(length_s: float) -> int:
    """How many alternating runs of (a) and (b) to make by default: 3, and for a short file
    enough that the runs add up to about ``SHORT_FILE_VIDEO_S`` of video (at most ``MAX_RUNS``).

    A run of a few seconds' clip lasts half a second, so a moment of load elsewhere moves its
    best of three by a tenth of a/b; more runs of both give the best of each a fair chance.
    """
    if length_s <= 0:
        return MAX_RUNS
    return max(3, min(MAX_RUNS, math.ceil(SHORT_FILE_VIDEO_S / length_s)))


def bench_file(
    video: Path, profile: Path, naive_seconds: float, repeat: int = 1
) -> dict[str, float]:
    """Measures (a), (b) and (c) on one file; (a) and (b) alternate ``repeat`` times, best kept."""
    py = [sys.executable, "-m", "detectors.bench"]
    length = _duration(video)
    ffmpeg = [_ffmpeg(), "-nostdin", "-v", "error", "-skip_frame", "noref", "-skip_loop_filter",
              "all", "-threads", "2", "-i", str(video), "-f", "null", "-"]  # fmt: skip
    runs_a, runs_b, runs_d = [], [], []
    for _ in range(max(1, repeat)):
        # Alternating a and b, so a burst of load elsewhere hits both alike.
        _w, rss_a, out, _c = _measure([*py, "--child-detect", str(video), str(profile)])
        runs_a.append(json.loads(out))
        runs_b.append(_measure(ffmpeg))
        runs_d.append(json.loads(_measure([*py, "--child-decode", str(video), str(profile)])[2]))
    a = min(runs_a, key=lambda r: r["detect_s"])
    b_s, rss_b, _, b_cpu = min(runs_b)
    row = {
        "length_s": length,
        "a_s": a["detect_s"],
        "a_cpu": a["cpu_s"],
        "b_cpu": b_cpu,
        "index_s": a["index_s"],
        "b_s": b_s,
        "decode_s": min(r["decode_s"] for r in runs_d),
        "match_s": a["match_s"],
        "rss_a": rss_a,
        "rss_b": rss_b,
        "c_per_video_s": float("nan"),
        "c_video_s": 0.0,
        "rss_c": float("nan"),
    }
    if naive_seconds > 0:
        _w, rss_c, out, _c = _measure(
            [*py, "--child-naive", str(video), str(profile), str(naive_seconds)]
        )
        c = json.loads(out)
        if c["video_s"] > 0:  # OpenCV's own reader cannot decode every codec (AV1: no frames)
            row.update(c_per_video_s=c["seconds"] / c["video_s"], c_video_s=c["video_s"])
            row.update(rss_c=rss_c)
    return row


def format_table(rows: list[tuple[str, dict[str, float]]]) -> str:
    """The benchmark table as Markdown."""
    head = (
        "| file | profile | length | (a) detector | (a) split: decode / match | (b) ffmpeg noref "
        "| (c) naive OpenCV | a/b | c/a | (a) x realtime | CPU s a / b (a/b) | frame index "
        "| peak RSS a / b / c |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for name, r in rows:
        c_full = r["c_per_video_s"] * r["length_s"]
        c_text = f"{c_full:.1f} s (est. from {r['c_video_s']:.0f} s)" if c_full == c_full else "-"
        c_over_a = f"{c_full / r['a_s']:.1f}" if c_full == c_full else "-"
        lines.append(
            f"| {name} | {r['length_s']:.1f} s | {r['a_s']:.2f} s "
            f"| {r['decode_s']:.2f} s / {r['match_s']:.2f} s | {r['b_s']:.2f} s "
            f"| {c_text} | {r['a_s'] / r['b_s']:.2f} "
            f"| {c_over_a} | {r['length_s'] / r['a_s']:.1f}x "
            f"| {r['a_cpu']:.1f} / {r['b_cpu']:.1f} ({r['a_cpu'] / r['b_cpu']:.2f}) "
            f"| {r['index_s']:.2f} s "
            f"| {r['rss_a']:.0f} / {r['rss_b']:.0f} / {_mib(r['rss_c'])} |"
        )
    return "\n".join(lines)


def _mib(value: float) -> str:
    return f"{value:.0f} MiB" if value == value else "-"


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints the table."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child-detect"]:
        _child_detect(argv[1], argv[2])
        return 0
    if argv[:1] == ["--child-decode"]:
        _child_decode(argv[1], argv[2])
        return 0
    if argv[:1] == ["--child-naive"]:
        _child_naive(argv[1], argv[2], float(argv[3]))
        return 0
    parser = argparse.ArgumentParser(prog="python -m detectors.bench", description=__doc__)
    parser.add_argument("files", nargs="*", type=Path, help="videos (default: generate two)")
    parser.add_argument("--seconds", type=int, default=60, help="length of generated files")
    parser.add_argument("--naive-seconds", type=float, default=10.0, help="video time for (c)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="runs of (a) and (b), best kept (default: 3, more for short files, see runs_for)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = args.files
        if not files:
            print(f"generating two {args.seconds} s 1080p60 files...", file=sys.stderr)
            files = make_inputs(folder, args.seconds)
        for f in files:
            if not f.is_file():
                print(f"error: {f} does not exist", file=sys.stderr)
                return 2
        profiles = _bench_profiles(folder)
        rows = []
        load_before = os.getloadavg()[0]
        for f in files:
            for pname, profile in profiles.items():
                print(f"measuring {f.name} with the {pname} profile...", file=sys.stderr)
                # The naive reader (c) does not depend on the profile: measured once per file.
                naive = args.naive_seconds if pname == "synthetic" else 0.0
                repeat = args.repeat or runs_for(_duration(f))
                row = bench_file(f, profile, naive, repeat)
                rows.append((f"{f.name} | {pname}", row))
        print(format_table(rows))
        # Wall-clock ratios only mean something on an idle machine; CPU seconds hold up better.
        print(
            f"\n{os.cpu_count()} CPUs, 1-min load average {load_before:.1f} before and "
            f"{os.getloadavg()[0]:.1f} after the measurements."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
