"""Decision-latency benchmark of every registered architecture (default hyper-parameters).

Usage::

    python -m tournaments.agents.latency [--decisions 2000] [--paced]
        [--beside nothing|processes|thread]

For each architecture: an agent saved and loaded through a zip (as in a match), then
``Agent.act`` timed on random observations of the arena's shapes, single-threaded. Prints wall
clock and CPU time (mean, p50, p99) against the 2 ms budget of a 60 Hz match.

``--paced`` makes one decision every 1/60 s, as in a live match (caches go cold in between);
``--beside`` runs something else meanwhile: ``processes`` (a CPU-bound process per core, plus
one: a busy machine) or ``thread`` (a CPU-bound Python thread in this process: the play page's
match thread shares the web process's interpreter). The CPU time a decision is charged grows
with both, which is why the play page's budget is not the tournaments' 2 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from .agent_file import load_agent, make_config, save_agent
from .evaluate import latency_stats
from .registry import ARCHITECTURES, build_network

BUDGET_MS = 2.0
OBS_SHAPES = {"state": (70,), "pixels": (112, 128, 1)}  # the arena's two observation kinds
N_ACTIONS = 13


def measure(
    architecture: str, decisions: int, seed: int = 0, *, paced: bool = False
) -> tuple[dict, dict]:
    """Times ``decisions`` calls of ``Agent.act``; returns (wall, cpu) latency stats in ms."""
    arch = ARCHITECTURES[architecture]
    shape = OBS_SHAPES[arch.obs]
    hp = dict(arch.defaults)
    torch.manual_seed(seed)
    model = build_network(architecture, shape, N_ACTIONS, hp)
    config = make_config(
        architecture=architecture, hyperparameters=hp, obs_type=arch.obs, obs_shape=shape,
        n_actions=N_ACTIONS, frame_skip=4, characters=[], algo="benchmark",
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        agent = load_agent(save_agent(Path(tmp) / "agent.zip", model, config))
    rng = np.random.default_rng(seed)
    if arch.obs == "state":
        obs = rng.uniform(-1, 1, (decisions + 50, *shape)).astype(np.float32)
    else:
        obs = rng.integers(0, 256, (decisions + 50, *shape), dtype=np.uint8)
    for o in obs[:50]:  # warm-up
        agent.act(o)
    wall, cpu = [], []
    for o in obs[50:]:
        c0, t0 = time.thread_time(), time.perf_counter()
        agent.act(o)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
        if paced:
            time.sleep(1 / 60)
    return latency_stats(wall), latency_stats(cpu)


def _spin(stop) -> None:
    while not stop.is_set():
        sum(range(10_000))


def beside(kind: str):
    """Starts what runs beside the measurement; returns the function that stops it."""
    if kind == "nothing":
        return lambda: None
    if kind == "thread":
        stop = threading.Event()
        worker = threading.Thread(target=_spin, args=(stop,), daemon=True)
        worker.start()
        return stop.set
    stop = multiprocessing.Event()
    procs = [
        multiprocessing.Process(target=_spin, args=(stop,), daemon=True)
        for _ in range((os.cpu_count() or 1) + 1)
    ]
    for proc in procs:
        proc.start()

    def end() -> None:
        stop.set()
        for proc in procs:
            proc.join(5)

    return end


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tournaments.agents.latency")
    parser.add_argument("--decisions", type=int, default=2000, help="timed decisions per network")
    parser.add_argument("--paced", action="store_true", help="one decision every 1/60 s")
    parser.add_argument(
        "--beside", choices=("nothing", "processes", "thread"), default="nothing",
        help="what runs meanwhile: nothing, a CPU-bound process per core + 1, or a CPU-bound "
        "Python thread in this process",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.decisions < 1:
        parser.error("--decisions must be at least 1")
    torch.set_num_threads(1)
    print(f"{'architecture':<16} {'obs':<7} {'wall mean':>10} {'wall p99':>9} "
          f"{'cpu mean':>9} {'cpu p50':>8} {'cpu p99':>8}  budget {BUDGET_MS:g} ms"
          f"{'  (paced)' if args.paced else ''}  beside: {args.beside}")  # fmt: skip
    stop = beside(args.beside)
    try:
        for name in ARCHITECTURES:
            wall, cpu = measure(name, args.decisions, paced=args.paced)
            ratio = BUDGET_MS / max(cpu["mean_ms"], 1e-9)
            print(
                f"{name:<16} {ARCHITECTURES[name].obs:<7} {wall['mean_ms']:>8.3f}ms "
                f"{wall['p99_ms']:>7.3f}ms {cpu['mean_ms']:>7.3f}ms {cpu['p50_ms']:>6.3f}ms "
                f"{cpu['p99_ms']:>6.3f}ms  {ratio:5.1f}x under budget (cpu mean)"
            )
    finally:
        stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
