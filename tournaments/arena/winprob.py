"""Live win probability for spectators: a small network reads a game state and says how likely
p1 is to win the match (a broadcast's evaluation bar).

Trained on match records (``MatchRecord``: seed + action log) of built-in bots playing each
other: each record is replayed and its states, sampled along the match, are labelled with the
match's winner. Training uses torch; the weights ship as a tiny safetensors file next to this
module and inference is plain numpy (no torch import on the live path).

Command line::

    python -m tournaments.arena.winprob records OUT.jsonl [--matches N] [--seed S]
    python -m tournaments.arena.winprob train [--matches N] [--records FILE] [--seed S] [--out PATH]
    python -m tournaments.arena.winprob calibrate [--matches N] [--seed S] [--weights PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .bots import BOT_NAMES
from .characters import CHARACTER_NAMES, MAX_HEALTH
from .game import BLOCKSTUN, HITSTUN, KNOCKDOWN, Game
from .replay import MatchRecord, play_match, replay_match

WEIGHTS_PATH = Path(__file__).with_name("winprob.safetensors")
FEATURES = (
    "h1", "h2", "h_diff", "wins1", "wins2", "timer", "h_diff_x_late", "dist",
    *(f"c1_{c}" for c in CHARACTER_NAMES), *(f"c2_{c}" for c in CHARACTER_NAMES),
    "stun1", "stun2", "down1", "down2", "cool1", "cool2", "side",
)  # fmt: skip
N_FEATURES = len(FEATURES)
SAMPLE_EVERY = 30
"""Ticks between the states taken from a match for training and calibration."""
HIDDEN = 32
_CHAR_INDEX = {c: i for i, c in enumerate(CHARACTER_NAMES)}


def features(game: Game) -> np.ndarray:
    """The state as the model reads it, from p1's side: ``(N_FEATURES,)`` float32."""
    p1, p2 = game.p1, game.p2
    h1 = max(p1.health, 0) / MAX_HEALTH
    h2 = max(p2.health, 0) / MAX_HEALTH
    timer = game.timer / game.round_ticks
    x = np.zeros(N_FEATURES, dtype=np.float32)
    x[:8] = (
        h1, h2, h1 - h2, p1.wins / game.wins_needed, p2.wins / game.wins_needed, timer,
        (h1 - h2) * (1 - timer), abs(p1.x - p2.x) / (256 * 16),
    )  # fmt: skip
    n = len(CHARACTER_NAMES)
    x[8 + _CHAR_INDEX[p1.char.name]] = 1
    x[8 + n + _CHAR_INDEX[p2.char.name]] = 1
    base = 8 + 2 * n
    x[base : base + 6] = (
        p1.state in (HITSTUN, BLOCKSTUN), p2.state in (HITSTUN, BLOCKSTUN),
        p1.state == KNOCKDOWN, p2.state == KNOCKDOWN,
        p1.cooldown / 120, p2.cooldown / 120,
    )  # fmt: skip
    x[base + 6] = 1.0  # seen from p1's side (-1 in mirrored copies: p1 may have an edge)
    return x


def mirrored(x: np.ndarray) -> np.ndarray:
    """The same states seen from p2's side (p2 becomes p1): for symmetric training."""
    n = len(CHARACTER_NAMES)
    m = x.copy()
    m[..., [0, 1]] = x[..., [1, 0]]
    m[..., [2, 6]] = -x[..., [2, 6]]
    m[..., [3, 4]] = x[..., [4, 3]]
    m[..., 8 : 8 + n], m[..., 8 + n : 8 + 2 * n] = x[..., 8 + n : 8 + 2 * n], x[..., 8 : 8 + n]
    b = 8 + 2 * n
    for i in (0, 2, 4):
        m[..., [b + i, b + i + 1]] = x[..., [b + i + 1, b + i]]
    m[..., b + 6] = -x[..., b + 6]
    return m


class WinProb:
    """The trained model (numpy inference). ``p1_win(game)`` is p1's chance to win the match."""

    def __init__(self, weights: dict[str, np.ndarray], meta: dict[str, str] | None = None):
        self.w = [weights[f"l{i}.weight"].astype(np.float32) for i in range(3)]
        self.b = [weights[f"l{i}.bias"].astype(np.float32) for i in range(3)]
        self.meta = meta or {}

    def predict(self, x: np.ndarray) -> np.ndarray:
        """p1 win probabilities for a batch of feature rows ``(n, N_FEATURES)``."""
        h = x
        for i in range(2):
            h = np.maximum(h @ self.w[i].T + self.b[i], 0)
        z = (h @ self.w[2].T + self.b[2])[..., 0]
        return 1 / (1 + np.exp(-z))

    def p1_win(self, game: Game) -> float:
        """p1's probability of winning the match from this state (0..1).

        A decided match answers 1, 0 or 0.5 (a draw) without asking the model.
        """
        if game.done or game.winner is not None:
            return {"p1": 1.0, "p2": 0.0}.get(game.winner or "", 0.5)
        return float(self.predict(features(game)[None])[0])


def load(path: Path) -> WinProb:
    """Load weights written by ``train`` (safetensors)."""
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as fh:
        weights = {k: fh.get_tensor(k) for k in fh.keys()}  # noqa: SIM118 (not a dict)
        meta = fh.metadata() or {}
    return WinProb(weights, meta)


def load_default() -> WinProb | None:
    """The shipped model, or None when its weights are missing or unreadable."""
    try:
        return load(WEIGHTS_PATH)
    except Exception:  # noqa: BLE001 - any broken file means "no bar", never a crash
        return None


# --------------------------------------------------------------------------- data
def generate_records(matches: int, seed: int = 0) -> Iterator[MatchRecord]:
    """Play ``matches`` bot-vs-bot matches (random bots and characters, seeded)."""
    rng = random.Random(seed)
    for i in range(matches):
        agents = (rng.choice(BOT_NAMES), rng.choice(BOT_NAMES))
        chars = (rng.choice(CHARACTER_NAMES), rng.choice(CHARACTER_NAMES))
        yield play_match(seed=seed * 100_003 + i, agents=agents, characters=chars, banner_ticks=0)


def label(record: MatchRecord) -> float:
    """1 when p1 won the match, 0 when p2 did, 0.5 for a draw."""
    return {"p1": 1.0, "p2": 0.0}.get(record.winner or "", 0.5)


def record_states(record: MatchRecord, every: int = SAMPLE_EVERY) -> np.ndarray:
    """Features of the record's states every ``every`` ticks (replayed from its action log)."""
    rows: list[np.ndarray] = []

    def take(game: Game) -> None:
        if game.tick % every == 0 and game.winner is None:
            rows.append(features(game))

    replay_match(record, on_tick=take)
    return np.array(rows, dtype=np.float32).reshape(-1, N_FEATURES)


def dataset(records: Iterable[MatchRecord]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, labels, match index) over every sampled state of every record."""
    xs, ys, ids = [], [], []
    for i, record in enumerate(records):
        x = record_states(record)
        xs.append(x)
        ys.append(np.full(len(x), label(record), dtype=np.float32))
        ids.append(np.full(len(x), i))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ids)


# --------------------------------------------------------------------------- training
def train(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    *,
    seed: int = 0,
    epochs: int = 12,
    hidden: int = HIDDEN,
) -> WinProb:
    """Fit the network on states ``x`` and labels ``y`` (with mirrored copies); torch, CPU.

    A fifth of the matches (``groups`` says which match each state is from) is held back: the
    epoch with the lowest loss on them is kept, and a temperature fitted on them scales the
    output so the probabilities are calibrated (states of one match are alike, so a network
    trained on them alone is over-confident).
    """
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    matches = np.unique(groups)
    held = np.isin(groups, rng.choice(matches, max(1, len(matches) // 5), replace=False))

    def tensors(sel: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        xs, ys = x[sel], y[sel]
        return (torch.from_numpy(np.concatenate([xs, mirrored(xs)])),
                torch.from_numpy(np.concatenate([ys, 1 - ys])))  # fmt: skip

    (xa, ya), (xv, yv) = tensors(~held), tensors(held)
    net = torch.nn.Sequential(
        torch.nn.Linear(N_FEATURES, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, 1),
    )  # fmt: skip
    opt = torch.optim.Adam(net.parameters(), lr=3e-3, weight_decay=1e-4)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    gen = torch.Generator().manual_seed(seed)
    best, best_state = float("inf"), None
    for _ in range(epochs):
        order = torch.randperm(len(xa), generator=gen)
        for start in range(0, len(xa), 256):
            idx = order[start : start + 256]
            opt.zero_grad()
            loss = loss_fn(net(xa[idx])[:, 0], ya[idx])
            loss.backward()
            opt.step()
        with torch.no_grad():
            val = float(loss_fn(net(xv)[:, 0], yv))
        if val < best:
            best, best_state = val, {k: v.clone() for k, v in net.state_dict().items()}
    net.load_state_dict(best_state)  # type: ignore[arg-type]
    # Temperature scaling on the held-back matches.
    with torch.no_grad():
        logits = net(xv)[:, 0]
    temps = np.linspace(0.5, 6.0, 56)
    losses = [float(loss_fn(logits / t, yv)) for t in temps]
    temperature = float(temps[int(np.argmin(losses))])
    layers = [m for m in net if isinstance(m, torch.nn.Linear)]
    weights = {}
    for i, layer in enumerate(layers):
        scale = 1 / temperature if i == len(layers) - 1 else 1.0
        weights[f"l{i}.weight"] = layer.weight.detach().numpy().copy() * scale
        weights[f"l{i}.bias"] = layer.bias.detach().numpy().copy() * scale
    meta = {"features": ",".join(FEATURES), "states": str(len(x)),
            "temperature": f"{temperature:.2f}"}  # fmt: skip
    return WinProb(weights, meta)


def save(model: WinProb, path: Path) -> None:
    """Write the model's weights (safetensors, float32) and its metadata."""
    from safetensors.numpy import save_file

    tensors = {}
    for i in range(3):
        tensors[f"l{i}.weight"] = np.ascontiguousarray(model.w[i])
        tensors[f"l{i}.bias"] = np.ascontiguousarray(model.b[i])
    save_file(tensors, str(path), metadata={k: str(v) for k, v in model.meta.items()})


# --------------------------------------------------------------------------- calibration
@dataclass
class Calibration:
    """Predicted vs observed p1 win rate by bucket, and Brier scores, on held-out states."""

    rows: list[tuple[float, float, float, int]]  # (bucket low, mean predicted, observed, n)
    brier: float
    brier_base: float
    base_rate: float
    states: int
    matches: int

    def table(self) -> str:
        """A Markdown table of the buckets and the Brier scores."""
        lines = ["| predicted p1 win | states | mean predicted | observed p1 win rate |",
                 "|---|---:|---:|---:|"]  # fmt: skip
        for low, pred, obs, n in self.rows:
            lines.append(f"| {low:.1f}–{low + 0.1:.1f} | {n} | {pred:.3f} | {obs:.3f} |")
        gain = 1 - self.brier / self.brier_base if self.brier_base else 0.0
        lines.append("")
        lines.append(
            f"Brier score {self.brier:.4f} vs {self.brier_base:.4f} for always predicting the "
            f"base rate {self.base_rate:.3f} ({gain:.0%} better); {self.states} states of "
            f"{self.matches} held-out matches."
        )
        return "\n".join(lines)


def calibrate(model: WinProb, x: np.ndarray, y: np.ndarray, base_rate: float, matches: int):
    """Bucket the model's predictions on ``x`` against the outcomes ``y``."""
    p = model.predict(x)
    rows = []
    for b in range(10):
        low = b / 10
        sel = (p >= low) & ((p < low + 0.1) if b < 9 else (p <= 1.0))
        if sel.any():
            rows.append((low, float(p[sel].mean()), float(y[sel].mean()), int(sel.sum())))
    return Calibration(
        rows=rows,
        brier=float(((p - y) ** 2).mean()),
        brier_base=float(((base_rate - y) ** 2).mean()),
        base_rate=base_rate,
        states=len(y),
        matches=matches,
    )


def _read_records(path: Path) -> list[MatchRecord]:
    return [
        MatchRecord.from_dict(json.loads(line))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m tournaments.arena.winprob")
    sub = parser.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("records", help="play bot matches and write their records (JSONL)")
    rec.add_argument("out", type=Path)
    tr = sub.add_parser("train", help="train on match records and write the weights")
    tr.add_argument("--records", type=Path, help="a JSONL of match records (else play new ones)")
    tr.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    cal = sub.add_parser("calibrate", help="print calibration on held-out matches")
    cal.add_argument("--weights", type=Path, default=WEIGHTS_PATH)
    for p in (rec, tr, cal):
        p.add_argument("--matches", type=int, default=400 if p is tr else 200)
        p.add_argument("--seed", type=int, default=0 if p is not cal else 1)
    args = parser.parse_args(argv)
    if args.matches < 1:
        parser.error("--matches must be at least 1")
    start = time.perf_counter()
    if args.cmd == "records":
        with args.out.open("w", encoding="utf-8") as fh:
            for r in generate_records(args.matches, args.seed):
                fh.write(json.dumps(r.to_dict()) + "\n")
        print(f"wrote {args.matches} match records to {args.out}")
        return 0
    if args.cmd == "train":
        if args.records:
            if not args.records.is_file():
                parser.error(f"no records file at {args.records}")
            records = _read_records(args.records)
        else:
            records = list(generate_records(args.matches, args.seed))
        x, y, groups = dataset(records)
        model = train(x, y, groups, seed=args.seed)
        model.meta["matches"] = str(len(records))
        model.meta["base_rate"] = f"{float(y.mean()):.4f}"
        save(model, args.out)
        print(f"trained on {len(x)} states of {len(records)} matches in "
              f"{time.perf_counter() - start:.1f} s; wrote {args.out} "
              f"({args.out.stat().st_size} bytes)")  # fmt: skip
        return 0
    if not args.weights.is_file():
        print(f"no weights at {args.weights}: run `python -m tournaments.arena.winprob train`",
              file=sys.stderr)  # fmt: skip
        return 2
    model = load(args.weights)
    # Held-out: matches from another seed than training (train: seed 0, calibrate: seed 1).
    records = list(generate_records(args.matches, args.seed))
    x, y, _ = dataset(records)
    base = float(model.meta.get("base_rate", 0.5))
    print(calibrate(model, x, y, base, len(records)).table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
