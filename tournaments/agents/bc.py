"""Behaviour cloning: an LSTM policy (CNN + LSTM for pixels) trained on windows of recorded ticks.

The recordings hold one row per game tick (60 Hz). The policy decides every ``stride`` ticks
(its frame skip), so a training window is ``window`` decisions taken ``stride`` ticks apart —
20 decisions at stride 4 cover 1.33 s of play. The loss is cross-entropy on every decision of the
window after ``burn_in`` (the first steps have no context yet). Batches are cut by
:class:`~tournaments.agents.loader.WindowBatches` and prepared in the background by
:class:`~tournaments.agents.loader.PrefetchLoader`.

Held-out agreement is measured on whole episodes the model never saw (or, with a single episode,
on its last ``holdout`` fraction): how often the greedy action at the last step of a window equals
the recorded action, next to the majority-action baseline.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .agent_file import make_config, save_agent
from .common import MetricsCSV, ProgressFn, seed_everything
from .dataset import Dataset, open_dataset
from .loader import PrefetchLoader, WindowBatches, window_starts
from .registry import build_network

METRIC_FIELDS = ("step", "epoch", "loss", "train_agreement", "heldout_agreement", "wall_time")


@dataclass
class BCArgs:
    """Arguments of a behaviour-cloning run (each has a one-line meaning)."""

    datasets: list[str] = field(default_factory=list)
    """dataset folders to learn from"""
    seed: int = 1
    """seed of torch, numpy and the batch order"""
    window: int = 20
    """decisions per training window"""
    stride: int | None = None
    """ticks between decisions (the agent's frame skip); default: the recordings' meta or 4"""
    aligned: bool = True
    """windows start only on decision ticks (every stride-th tick of an episode), as the agent
    acts; with False every tick starts a window (more data, but an observation a few ticks
    after a decision already shows the chosen move, which flatters the agreement)"""
    burn_in: int = 4
    """decisions at the start of a window that are not scored (no context yet)"""
    hidden: int = 128
    """encoder and LSTM width"""
    layers: int = 1
    """stacked LSTM layers"""
    batch_size: int = 64
    """windows per batch"""
    learning_rate: float = 1e-3
    """Adam learning rate"""
    total_steps: int = 2_000
    """gradient steps"""
    minutes: float | None = None
    """wall-clock budget; stops at whichever of this and total_steps comes first"""
    holdout: float = 0.2
    """fraction of episodes (or of ticks, for one episode) kept out for agreement"""
    eval_every: int = 250
    """gradient steps between held-out evaluations"""
    prefetch: int = 4
    """batches prepared ahead by the background loader (0 = no prefetching)"""
    out: str = "var/agents/bc"
    """output folder: metrics.csv, agent/, agent.zip, summary.json"""
    torch_threads: int = 1
    """torch CPU threads"""
    extra: dict[str, Any] = field(default_factory=dict)
    """free-form notes stored in the agent's training summary"""


def split_windows(
    data: Dataset, window: int, stride: int, holdout: float, seed: int, aligned: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Window starts for training and held-out evaluation, split by episode where possible.

    Raises:
        ValueError: The dataset is too short for one window on each side.
    """
    starts = window_starts(data.episode, window, stride, aligned)
    episodes = np.unique(data.episode)
    if episodes.size >= 2:
        rng = np.random.default_rng(seed)
        n_hold = max(1, round(episodes.size * holdout))
        held = rng.choice(episodes, n_hold, replace=False)
        is_held = np.isin(data.episode[starts], held)
    else:
        # One episode: hold out its tail, and drop windows that would straddle the cut.
        cut = int(len(data) * (1.0 - holdout))
        span = (window - 1) * stride
        is_held = starts >= cut
        starts = starts[(starts >= cut) | (starts + span < cut)]
        is_held = starts >= cut
    train, held_out = starts[~is_held], starts[is_held]
    if train.size == 0 or held_out.size == 0:
        raise ValueError(
            f"dataset too short: {len(data)} ticks give {train.size} training and "
            f"{held_out.size} held-out windows of {window} decisions every {stride} ticks"
        )
    return train, held_out


def agreement(model: torch.nn.Module, batches: WindowBatches) -> float:
    """Fraction of windows whose greedy last-step action equals the recorded one."""
    hits = total = 0
    model.eval()
    with torch.inference_mode():
        for obs, act in batches:
            logits, _ = model(torch.from_numpy(obs))
            hits += int((logits[:, -1].argmax(-1).numpy() == act[:, -1]).sum())
            total += act.shape[0]
    model.train()
    return hits / max(total, 1)


def train_bc(args: BCArgs, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Trains an LSTM policy on recorded play and writes the agent under ``args.out``.

    Args:
        args: The run's arguments.
        progress: Called after every step with ``{"done": fraction, "text": str}``.

    Returns:
        The training summary (also written to ``summary.json``).

    Raises:
        DatasetError: A dataset cannot be read.
        ValueError: The datasets are too short for the window.
    """
    start_time = time.monotonic()
    seed_everything(args.seed)
    torch.set_num_threads(args.torch_threads)
    data = open_dataset(args.datasets)
    meta = data.meta[0] if data.meta else {}
    stride = int(args.stride or meta.get("frame_skip") or 4)
    train_starts, held_starts = split_windows(
        data, args.window, stride, args.holdout, args.seed, args.aligned
    )
    common = {"window": args.window, "stride": stride}
    train_batches = WindowBatches(
        data, train_starts, batch_size=args.batch_size, seed=args.seed, **common
    )
    held_batches = WindowBatches(data, held_starts, batch_size=256, shuffle=False, **common)
    loader = PrefetchLoader(train_batches, args.prefetch) if args.prefetch else train_batches

    from tournaments.arena import N_ACTIONS

    # The full action set even if a recording never used some action, so the agent can act.
    n_actions = max(int(meta.get("n_actions") or N_ACTIONS), int(data.action.max()) + 1)
    # Frames (H, W, C) get the CNN + LSTM; state vectors the MLP encoder + LSTM.
    pixels = len(data.obs_shape) == 3
    architecture = "cnn_lstm_policy" if pixels else "lstm_policy"
    hp: dict[str, Any] = {"hidden": args.hidden}
    if not pixels:
        hp["layers"] = args.layers
    model = build_network(architecture, data.obs_shape, n_actions, hp)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    out = Path(args.out)
    metrics = MetricsCSV(out / "metrics.csv", METRIC_FIELDS)
    # The held-out baseline: always answering the most common recorded action.
    held_actions = data.action[held_starts + (args.window - 1) * stride]
    baseline = float(np.bincount(held_actions).max() / held_actions.size)

    budget_s = args.minutes * 60 if args.minutes else None
    step = epoch = 0
    loss_val = train_agree = held = 0.0
    evaluated_at = -1

    def fraction_done() -> float:
        by_time = (time.monotonic() - start_time) / budget_s if budget_s else 0.0
        return max(step / args.total_steps, by_time)

    def out_of_budget() -> bool:
        return step >= args.total_steps or bool(
            budget_s and time.monotonic() - start_time > budget_s
        )

    def evaluate() -> None:
        nonlocal held, evaluated_at
        held, evaluated_at = agreement(model, held_batches), step
        metrics.write({
            "step": step, "epoch": epoch, "loss": loss_val, "train_agreement": train_agree,
            "heldout_agreement": held, "wall_time": time.monotonic() - start_time,
        })  # fmt: skip

    while not out_of_budget():
        epoch += 1
        for obs, act in loader:
            logits, _ = model(torch.from_numpy(obs))
            scored = slice(min(args.burn_in, args.window - 1), None)
            target = torch.from_numpy(act[:, scored])
            loss = F.cross_entropy(logits[:, scored].reshape(-1, n_actions), target.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            step += 1
            loss_val = loss.item()
            train_agree = float((logits[:, -1].argmax(-1) == target[:, -1]).float().mean())
            if step % args.eval_every == 0:
                evaluate()
            if progress is not None:
                shown = f"{held:.1%}" if evaluated_at >= 0 else "-"
                text = f"step {step} loss {loss_val:.3f} held-out {shown}"
                progress({"done": fraction_done(), "text": text})
            if out_of_budget():
                break
    if evaluated_at != step:
        evaluate()

    summary = {
        "algo": "bc", "seed": args.seed, "datasets": [str(d) for d in args.datasets],
        "ticks": len(data), "episodes": data.n_episodes, "stride": stride, "window": args.window,
        "train_windows": int(train_starts.size), "heldout_windows": int(held_starts.size),
        "steps": step, "epochs": epoch, "final_loss": loss_val,
        "heldout_agreement": held, "majority_baseline": baseline,
        "wall_time_s": round(time.monotonic() - start_time, 1),
        "args": {k: v for k, v in asdict(args).items() if k not in ("out", "extra")}, **args.extra,
    }  # fmt: skip
    characters = meta.get("characters") or []
    config = make_config(
        architecture=architecture, hyperparameters=hp, obs_type="pixels" if pixels else "state",
        obs_shape=data.obs_shape, n_actions=n_actions, frame_skip=stride,
        characters=list(characters), algo="bc", training=summary,
    )  # fmt: skip
    save_agent(out / "agent", model, config)
    save_agent(out / "agent.zip", model, config, metrics_csv=out / "metrics.csv")
    summary.update(agent=str(out / "agent"), metrics=str(out / "metrics.csv"))
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary
