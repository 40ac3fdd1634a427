"""``make bench`` / ``python -m coach.bench_report``: every benchmark the project has, one report.

Runs each benchmark script as its own process (one after the other, so they do not compete for
the two cores), keeps its whole output, reads its headline figure and the baseline it measured in
the same run, and writes ONE Markdown report: a summary table of figures, baselines, ratios and
targets, the machine it ran on (CPU, cores, memory, load average before and after each
benchmark, git revision), then every benchmark's own output. The report goes to
``var/bench/report.md`` (and is printed); ``--only NAME,...`` runs a subset; ``--quick`` uses
smaller sizes (for a smoke run; the README's table comes from a full run).

Each benchmark's figures come from its printed output, parsed here; a benchmark that fails or
whose output no longer has its figures shows as such in the table instead of stopping the rest.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


@dataclass
class Row:
    """One line of the summary table."""

    figure: str
    value: str
    baseline: str = "–"
    ratio: str = "–"
    target: str = "–"
    met: str = "–"


@dataclass
class Bench:
    """A benchmark: its command (full and quick sizes) and how to read its headline."""

    name: str
    what: str
    full: list[str]
    quick: list[str]
    read: Callable[[str, Path], list[Row]]
    timeout_s: int = 1200
    rows: list[Row] = field(default_factory=list)


def md_tables(text: str) -> list[list[dict[str, str]]]:
    """Every Markdown table in a text, as lists of {header: cell} rows."""
    tables, lines = [], text.splitlines()
    i = 0
    while i < len(lines) - 1:
        if lines[i].startswith("|") and re.match(r"^\|[\s:|-]+\|$", lines[i + 1].strip()):
            head = [c.strip() for c in lines[i].strip().strip("|").split("|")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                rows.append(dict(zip(head, cells, strict=False)))
                i += 1
            tables.append(rows)
        else:
            i += 1
    return tables


def _num(text: str) -> float:
    found = re.search(r"-?[0-9][0-9,]*\.?[0-9]*", text or "")
    return float(found.group().replace(",", "")) if found else float("nan")


def _col(row: dict[str, str], *starts: str) -> str:
    """The cell whose header starts with one of ``starts`` (headers gain detail over time)."""
    for key, value in row.items():
        if any(key.lower().startswith(s.lower()) for s in starts):
            return value
    raise KeyError(starts)


def read_detection(out: str, _tmp: Path) -> list[Row]:
    rows = []
    for table in md_tables(out):
        for r in table:
            if "a/b" not in r:
                continue
            ab, ca = _num(r["a/b"]), _num(r.get("c/a", ""))  # ca is NaN where (c) was not run
            profile = f", {r['profile']} profile" if r.get("profile") else ""
            rows.append(
                Row(
                    f"detection vs decoding limit, {r.get('file', '?')}{profile}",
                    _col(r, "(a)"),
                    f"{_col(r, '(b)')} (FFmpeg, noref)",
                    f"{ab:.2f}×"
                    + (f" (naive OpenCV: {ca:g}× slower than ours)" if ca == ca else ""),
                    "≤ 1.3×",
                    "yes" if ab <= 1.3 else "NO",
                )
            )
    return rows


def read_accuracy(out: str, _tmp: Path) -> list[Row]:
    """Each game's summary row (bold, "<game>, all") and the exact-truth set."""
    rows = []
    for table in md_tables(out):
        for r in table:
            game, footage = r.get("game", ""), r.get("footage", "")
            if "precision" not in r or not (game.startswith("**") or "exact truth" in footage):
                continue
            precision, recall = r["precision"].strip("*"), r["recall"].strip("*")
            rows.append(
                Row(
                    f"detection accuracy, {game.strip('*')} ({footage})",
                    f"precision {precision}, recall {recall}",
                    "exact truth" if "exact truth" in footage else "labelled by hand",
                    f"{r.get('detected', '?')} detected of {r.get('labelled', '?')} labelled",
                )
            )
    return rows


def read_review(out: str, _tmp: Path) -> list[Row]:
    rows, base = [], {}
    for line in out.splitlines():
        m = re.match(
            r"^(original.*?|proxy keyint 6 \(the job's\))\s+(forward|backward)\s+"
            r"(\d+)\s+(\d+)",
            line,
        )
        if m:
            kind, direction, p95 = m.group(1), m.group(2), float(m.group(4))
            if kind.startswith("original"):
                base[direction] = p95
            elif direction in base:
                rows.append(
                    Row(
                        f"frame step p95, 1080p60, {direction} (review proxy)",
                        f"{p95:.0f} ms",
                        f"{base[direction]:.0f} ms (the original file)",
                        f"{base[direction] / p95:.1f}× faster",
                        "≤ 100 ms",
                        "yes" if p95 <= 100 else "NO",
                    )
                )
    return rows


def read_arena(out: str, _tmp: Path) -> list[Row]:
    rows = []
    for line in out.splitlines():
        m = re.match(
            r"^(game ticks/s, headless, 1 game|numpy batch env ticks/s.*?|"
            r"render frames/s, 256x224)\s+([\d,]+)\s+([\d.]+)",
            line,
        )
        if m:
            target = "2,000 frames/s" if "render" in m.group(1) else "45,000 ticks/s"
            rows.append(
                Row(
                    m.group(1),
                    m.group(2),
                    "the target",
                    f"{m.group(3)}× the target",
                    target,
                    "yes" if float(m.group(3)) >= 1 else "NO",
                )
            )
    return rows


def read_latency(out: str, _tmp: Path) -> list[Row]:
    rows = []
    for line in out.splitlines():
        m = re.match(r"^(\w+)\s+(state|pixels)\s+([\d.]+)ms\s+([\d.]+)ms\s+([\d.]+)ms", line)
        if m:
            cpu = float(m.group(5))
            rows.append(
                Row(
                    f"agent decision CPU time, {m.group(1)} ({m.group(2)})",
                    f"{cpu:.3f} ms",
                    "2 ms budget",
                    f"{2 / cpu:.1f}× under",
                    "≤ 2 ms",
                    "yes" if cpu <= 2 else "NO",
                )
            )
    return rows


def read_dqn(out: str, tmp: Path) -> list[Row]:
    metrics = tmp / "dqn" / "metrics.csv"
    if not metrics.exists():
        return []
    evals = [r for r in csv.DictReader(metrics.open()) if r.get("win_rate")]
    first = next((r for r in evals if float(r["win_rate"]) >= 0.8), None)
    start = evals[0] if evals else None
    if first is None:
        best = max((float(r["win_rate"]) for r in evals), default=float("nan"))
        return [
            Row(
                "DQN vs cpu_medium: time to 80 % wins",
                "not reached",
                f"best {best:.0%}",
                "–",
                "within the run",
                "NO",
            )
        ]
    return [
        Row(
            "DQN vs cpu_medium: time to 80 % wins",
            f"{float(first['wall_time']):.0f} s ({int(first['step']):,} steps)",
            f"{float(start['win_rate']):.0%} at the first evaluation" if start else "–",
            "–",
            "within the run",
            "yes",
        )
    ]


def read_spectators(out: str, _tmp: Path) -> list[Row]:
    m = re.search(r"p95 with (\d+) spectators vs 1: ([\d.]+)x; target (.*?): (met|NOT met)", out)
    if not m:
        return []
    crowd = [r for t in md_tables(out) for r in t if r.get("spectators") == m.group(1)]
    alone = [r for t in md_tables(out) for r in t if r.get("spectators") == "1"]
    return [
        Row(
            f"spectator delay p95, {m.group(1)} spectators of one live match",
            f"{crowd[0]['p95 ms']} ms" if crowd else "?",
            f"{alone[0]['p95 ms']} ms (1 spectator)" if alone else "?",
            f"{m.group(2)}×",
            m.group(3),
            "yes" if m.group(4) == "met" else "NO",
        )
    ]


def read_upload(out: str, _tmp: Path) -> list[Row]:
    speed = re.search(r"upload time\s+([\d.]+) s\s+\(([\d.]+) MB/s\)", out)
    size = re.search(r"file\s+(\d+) MB", out)
    growth = re.search(r"growth / file size\s+([\d.]+)", out)
    if not (speed and size and growth):
        return []
    return [
        Row(
            f"upload throughput, {size.group(1)} MB in chunks over loopback",
            f"{speed.group(2)} MB/s",
            "–",
            "–",
            "–",
            "–",
        ),
        Row(
            "Daphne memory growth / uploaded size",
            growth.group(1),
            "0 (flat)",
            "–",
            "≤ 0.05",
            "yes" if float(growth.group(1)) <= 0.05 else "NO",
        ),
    ]


def read_pages(out: str, _tmp: Path) -> list[Row]:
    m = re.search(
        r"all pages: p95 ([\d.]+) ms alone, ([\d.]+) ms with (\d+) clients \(([\d.]+)x\)"
        r"; (\d+) vs (\d+) requests/s",
        out,
    )
    if not m:
        return []
    p95 = float(m.group(2))
    return [
        Row(
            f"page p95 under load, {m.group(3)} concurrent clients from a second process",
            f"{p95:.0f} ms ({m.group(6)} requests/s)",
            f"{float(m.group(1)):.0f} ms alone ({m.group(5)} requests/s)",
            f"{m.group(4)}×",
            "≤ 500 ms",
            "yes" if p95 <= 500 and "errors: none" in out else "NO",
        )
    ]


def benchmarks(tmp: Path) -> list[Bench]:
    py = [sys.executable, "-m"]
    return [
        Bench(
            "detection",
            "detection speed vs FFmpeg's decoding limit vs naive OpenCV",
            py + ["detectors.bench"],
            py + ["detectors.bench", "--seconds", "10", "--repeat", "1", "--naive-seconds", "2"],
            read_detection,
        ),
        Bench(
            "accuracy",
            "detection accuracy on real clips and exact-truth footage",
            py + ["detectors.benchmarks", str(DATA)],
            py + ["detectors.benchmarks", str(DATA)],
            read_accuracy,
        ),
        Bench(
            "review",
            "frame-step latency in Chromium, review proxy vs original",
            py + ["replays.bench_review", "--seconds", "8", "--steps", "40"],
            py + ["replays.bench_review", "--seconds", "3", "--steps", "8"],
            read_review,
        ),
        Bench(
            "arena",
            "arena ticks/s and render frames/s",
            py + ["tournaments.arena.bench"],
            py + ["tournaments.arena.bench", "--seconds", "0.5"],
            read_arena,
        ),
        Bench(
            "latency",
            "agent decision time per architecture",
            py + ["tournaments.agents.latency"],
            py + ["tournaments.agents.latency", "--decisions", "200"],
            read_latency,
        ),
        Bench(
            "dqn",
            "DQN training: wall time to 80 % wins vs cpu_medium",
            py
            + [
                "tournaments.agents.train",
                "--algo",
                "dqn",
                "--opponent",
                "cpu_medium",
                "--minutes",
                "6",
                "--eval-every",
                "10000",
                "--eval-games",
                "20",
                "--seed",
                "2",
                "--out",
                str(tmp / "dqn"),
            ],
            py
            + [
                "tournaments.agents.train",
                "--algo",
                "dqn",
                "--opponent",
                "cpu_medium",
                "--minutes",
                "1",
                "--eval-every",
                "5000",
                "--eval-games",
                "5",
                "--out",
                str(tmp / "dqn"),
            ],
            read_dqn,
        ),
        Bench(
            "spectators",
            "live-match fan-out to spectators over websockets",
            py + ["tournaments.bench_spectators", "--clients", "200", "--seconds", "10"],
            py + ["tournaments.bench_spectators", "--clients", "20", "--seconds", "3"],
            read_spectators,
        ),
        Bench(
            "upload",
            "chunked upload throughput and Daphne memory",
            py + ["replays.bench_upload", "--gigabytes", "2"],
            py + ["replays.bench_upload", "--gigabytes", "0.2"],
            read_upload,
        ),
        Bench(
            "pages",
            "page latency under concurrent load from a second process",
            py + ["coach.bench_pages", "--clients", "16", "--seconds", "10"],
            py + ["coach.bench_pages", "--clients", "4", "--seconds", "3"],
            read_pages,
        ),
    ]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    rev = (
        subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        or "?"
    )
    return (
        f"{psutil.cpu_count()} × {cpu}, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}, "
        f"git {rev}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coach.bench_report")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / "report.md"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp_name:
        tmp = Path(tmp_name)
        chosen = benchmarks(tmp)
        names = {b.name for b in chosen}
        only = [n for n in args.only.split(",") if n]
        unknown = set(only) - names
        if unknown:
            parser.error(f"unknown benchmark(s) {sorted(unknown)}; there are {sorted(names)}")
        chosen = [b for b in chosen if not only or b.name in only]
        started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        outputs, summary = [], []
        for bench in chosen:
            cmd = bench.quick if args.quick else bench.full
            shown = "python -m " + shlex.join(cmd[2:]).replace(str(tmp), "TMP")
            print(f"== {bench.name}: {shown}", flush=True)
            load0, t0 = os.getloadavg()[0], time.monotonic()
            try:
                done = subprocess.run(
                    cmd, cwd=ROOT, capture_output=True, text=True, timeout=bench.timeout_s
                )
                out, status = done.stdout + done.stderr, done.returncode
            except subprocess.TimeoutExpired as exc:
                out, status = f"{exc.stdout or ''}\n(stopped after {bench.timeout_s} s)", -1
            took, load1 = time.monotonic() - t0, os.getloadavg()[0]
            out = out if isinstance(out, str) else out.decode(errors="replace")
            rows = bench.read(out, tmp) if status == 0 else []
            if not rows:
                why = f"exit {status}" if status else "its figures were not in its output"
                rows = [Row(bench.what, f"FAILED ({why})", met="NO")]
            for r in rows:
                summary.append((bench, r, shown, took, load0, load1))
            outputs.append(
                f"### {bench.name}: `{shown}`\n\nexit {status}, {took:.0f} s, "
                f"load average {load0:.1f} → {load1:.1f}\n\n```\n{out.strip()}\n```\n"
            )
            print(f"   {took:.0f} s, exit {status}", flush=True)
    lines = [
        f"# Film Room benchmark report ({'quick' if args.quick else 'full'} sizes)",
        "",
        f"Run {started} on {machine()}. Benchmarks ran one after another; the load average "
        "(1 min) is shown before → after each.",
        "",
        "| benchmark | figure | baseline (same run) | ratio | target | met | command "
        "| time, load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for bench, r, shown, took, load0, load1 in summary:
        lines.append(
            f"| {bench.name} | {r.figure}: **{r.value}** | {r.baseline} | {r.ratio} | "
            f"{r.target} | {r.met} | `{shown}` | {took:.0f} s, {load0:.1f} → {load1:.1f} |"
        )
    report = "\n".join(lines) + "\n\n## Each benchmark's output\n\n" + "\n".join(outputs)
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(report)
    print("\n".join(lines))
    print(f"\nreport: {out_path}")
    # A benchmark that could not run fails the command; a missed target is reported, not fatal.
    return 1 if any(r.value.startswith("FAILED") for _, r, *_ in summary) else 0


if __name__ == "__main__":
    sys.exit(main())
