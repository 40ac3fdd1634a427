"""DQN for the arena, cleanrl style: one file, read it top to bottom.

Double DQN with a replay buffer, a target network and a linear epsilon schedule, over the
arena's normalised state vector. The opponent is a scripted bot (``random``, ``cpu_easy``,
``cpu_medium``, ``cpu_hard``) or ``self``: a frozen earlier copy of the network, refreshed every
``selfplay_refresh`` steps. Every ``eval_every`` steps the greedy policy plays ``eval_games``
matches against ``eval_opponent``; the row goes to ``metrics.csv``, a checkpoint to
``checkpoints/``, and the best evaluated network to ``agent/`` (+ ``agent.zip``).
"""

from __future__ import annotations

import copy
import json
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .agent_file import load_agent, make_config, save_agent
from .common import MetricsCSV, ProgressFn, make_single_env, seed_everything
from .evaluate import match_winner, play_matches
from .registry import build_network

METRIC_FIELDS = (
    "step", "episodes", "win_rate", "eval_games", "train_win_rate", "loss", "q_mean",
    "epsilon", "wall_time", "steps_per_s",
)  # fmt: skip


@dataclass
class DQNArgs:
    """Arguments of a DQN run (each has a one-line meaning)."""

    seed: int = 1
    """seed of torch, numpy, the exploration and the env"""
    opponent: str = "cpu_medium"
    """training opponent: random, cpu_easy, cpu_medium, cpu_hard or self"""
    eval_opponent: str | None = None
    """evaluation opponent (default: the training opponent; cpu_medium for self-play)"""
    characters: tuple[str, str] = ("kaito", "kaito")
    """the agent's character and the opponent's"""
    frame_skip: int = 4
    """game ticks per decision"""
    total_steps: int = 300_000
    """decisions (env steps) to train for"""
    minutes: float | None = None
    """wall-clock budget; training stops at whichever of this and total_steps comes first"""
    learning_rate: float = 5e-4
    """Adam learning rate"""
    buffer_size: int = 200_000
    """replay buffer capacity (transitions)"""
    gamma: float = 0.99
    """discount factor"""
    tau: float = 1.0
    """target network update rate (1.0 = hard copy)"""
    target_network_frequency: int = 2_000
    """steps between target network updates"""
    batch_size: int = 128
    """transitions per gradient step"""
    start_e: float = 1.0
    """initial exploration epsilon"""
    end_e: float = 0.05
    """final exploration epsilon"""
    exploration_fraction: float = 0.3
    """fraction of the run over which epsilon decays linearly"""
    learning_starts: int = 5_000
    """steps of pure exploration before learning"""
    train_frequency: int = 4
    """env steps per gradient step"""
    double_dqn: bool = True
    """pick next actions with the online network, value them with the target (double DQN)"""
    hidden: tuple[int, ...] = (256, 256)
    """hidden layer widths of the Q-network"""
    selfplay_refresh: int = 20_000
    """self-play: steps between copies of the online network into the frozen opponent"""
    eval_every: int = 20_000
    """steps between evaluations / checkpoints"""
    eval_games: int = 20
    """matches per evaluation"""
    max_rounds: int = 3
    """rounds per match (best of max_rounds)"""
    out: str = "var/agents/dqn"
    """output folder: metrics.csv, checkpoints/, agent/, agent.zip, summary.json"""
    torch_threads: int = 1
    """torch CPU threads (1 is fastest for these small networks on a shared machine)"""
    extra: dict[str, Any] = field(default_factory=dict)
    """free-form notes stored in the agent's training summary"""


class ReplayBuffer:
    """A fixed-size circular buffer of (obs, action, reward, next_obs, done) in numpy arrays."""

    def __init__(self, capacity: int, obs_dim: int, rng: np.random.Generator) -> None:
        self.obs = np.zeros((capacity, obs_dim), np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), np.float32)
        self.action = np.zeros(capacity, np.int64)
        self.reward = np.zeros(capacity, np.float32)
        self.done = np.zeros(capacity, np.float32)
        self.capacity, self.size, self.pos, self.rng = capacity, 0, 0, rng

    def add(
        self, obs: np.ndarray, action: int, reward: float, next_obs: np.ndarray, done: bool
    ) -> None:
        """Stores one transition, overwriting the oldest when full."""
        i = self.pos
        self.obs[i], self.action[i], self.reward[i] = obs, action, reward
        self.next_obs[i], self.done[i] = next_obs, float(done)
        self.pos = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, n: int) -> tuple[torch.Tensor, ...]:
        """Draws ``n`` transitions uniformly, as tensors."""
        idx = self.rng.integers(0, self.size, n)
        return tuple(
            torch.from_numpy(a[idx])
            for a in (self.obs, self.action, self.reward, self.next_obs, self.done)
        )


def linear_schedule(start: float, end: float, fraction_done: float, fraction: float) -> float:
    """Epsilon decays linearly from ``start`` to ``end`` over the first ``fraction`` of the run."""
    return start + (end - start) * min(fraction_done / max(fraction, 1e-9), 1.0)


class GreedyPolicy:
    """Acts greedily (epsilon aside) with a copy of a Q-network: the self-play opponent."""

    def __init__(
        self, net: nn.Module, n_actions: int, epsilon: float, rng: np.random.Generator
    ) -> None:
        self.net, self.n_actions, self.epsilon, self.rng = net, n_actions, epsilon, rng

    def __call__(self, obs: np.ndarray) -> int:
        if self.epsilon and self.rng.random() < self.epsilon:
            return int(self.rng.integers(self.n_actions))
        with torch.inference_mode():
            return int(self.net(torch.as_tensor(obs, dtype=torch.float32)[None])[0].argmax())


def make_train_env(args: DQNArgs, opponent: Any, seed: int) -> Any:
    """The Gymnasium single-agent arena env against ``opponent`` (a bot name or a callable)."""
    return make_single_env(
        opponent=opponent,
        side="p1",
        characters=tuple(args.characters),
        frame_skip=args.frame_skip,
        obs="state",
        seed=seed,
        max_rounds=args.max_rounds,
    )


def train_dqn(args: DQNArgs, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Trains a DQN agent and writes its files under ``args.out``.

    Args:
        args: The run's arguments.
        progress: Called after every step with ``{"done": fraction, "text": str}``-like info.

    Returns:
        The training summary (also written to ``summary.json``).
    """
    start_time = time.monotonic()
    seed_everything(args.seed)
    torch.set_num_threads(args.torch_threads)
    rng = np.random.default_rng(args.seed)
    out = Path(args.out)
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    selfplay = args.opponent == "self"
    eval_opponent = args.eval_opponent or ("cpu_medium" if selfplay else args.opponent)

    probe = make_train_env(args, "random", args.seed)
    obs_shape = probe.observation_space.shape
    n_actions = int(probe.action_space.n)
    probe.close()
    obs_dim = int(np.prod(obs_shape))
    hp = {"hidden": list(args.hidden)}
    q_network = build_network("mlp_q", obs_dim, n_actions, hp)
    target_network = copy.deepcopy(q_network)
    optimizer = torch.optim.Adam(q_network.parameters(), lr=args.learning_rate)

    frozen = GreedyPolicy(copy.deepcopy(q_network).eval(), n_actions, 0.05, rng)
    env = make_train_env(args, frozen if selfplay else args.opponent, args.seed)
    env.action_space.seed(args.seed)
    rb = ReplayBuffer(args.buffer_size, obs_dim, rng)
    metrics = MetricsCSV(out / "metrics.csv", METRIC_FIELDS)

    def config(training: dict[str, Any]) -> dict[str, Any]:
        return make_config(
            architecture="mlp_q", hyperparameters=hp, obs_type="state", obs_shape=obs_shape,
            n_actions=n_actions, frame_skip=args.frame_skip, characters=args.characters,
            algo="dqn", training=training,
        )  # fmt: skip

    def greedy(obs: np.ndarray) -> int:
        with torch.inference_mode():
            return int(q_network(torch.from_numpy(np.asarray(obs, np.float32))[None])[0].argmax())

    obs, _ = env.reset(seed=args.seed)
    episodes, losses, q_means = 0, deque(maxlen=100), deque(maxlen=100)
    recent_wins: deque[float] = deque(maxlen=50)
    best = {"win_rate": -1.0, "step": 0}
    last_eval: dict[str, Any] = {}
    step = 0
    budget_s = args.minutes * 60 if args.minutes else None

    def fraction_done() -> float:
        by_time = (time.monotonic() - start_time) / budget_s if budget_s else 0.0
        return max(step / args.total_steps, by_time)

    def evaluate_and_checkpoint() -> None:
        q_network.eval()
        result = play_matches(
            greedy, eval_opponent, games=args.eval_games, characters=args.characters,
            frame_skip=args.frame_skip, seed=10_000 + args.seed, max_rounds=args.max_rounds,
        )  # fmt: skip
        q_network.train()
        wall = time.monotonic() - start_time
        row = {
            "step": step, "episodes": episodes, "win_rate": result["win_rate"],
            "eval_games": result["games"],
            "train_win_rate": float(np.mean(recent_wins)) if recent_wins else "",
            "loss": float(np.mean(losses)) if losses else "",
            "q_mean": float(np.mean(q_means)) if q_means else "",
            "epsilon": epsilon, "wall_time": wall, "steps_per_s": step / max(wall, 1e-9),
        }  # fmt: skip
        metrics.write(row)
        last_eval.update(row)
        training = {**_summary_fields(args, eval_opponent), "step": step, "episodes": episodes,
                    "eval_win_rate": result["win_rate"], "wall_time_s": round(wall, 1)}  # fmt: skip
        save_agent(out / "checkpoints" / f"step-{step:09d}", q_network, config(training))
        # ">=": among equal scores keep the later, longer-trained network.
        if result["win_rate"] >= best["win_rate"]:
            best.update(win_rate=result["win_rate"], step=step)
            save_agent(out / "agent", q_network, config(training))

    epsilon = args.start_e
    while step < args.total_steps and not (budget_s and time.monotonic() - start_time > budget_s):
        epsilon = linear_schedule(
            args.start_e, args.end_e, fraction_done(), args.exploration_fraction
        )
        if rng.random() < epsilon:
            action = int(env.action_space.sample())
        else:
            action = greedy(obs)
        next_obs, reward, terminated, truncated, info = env.step(action)
        # A time-limit truncation is not a true end: keep bootstrapping through it.
        rb.add(obs, action, float(reward), next_obs, bool(terminated))
        obs = next_obs
        step += 1
        if terminated or truncated:
            episodes += 1
            recent_wins.append(1.0 if match_winner(info) == "p1" else 0.0)
            obs, _ = env.reset()

        if step > args.learning_starts and step % args.train_frequency == 0:
            b_obs, b_act, b_rew, b_next, b_done = rb.sample(args.batch_size)
            with torch.no_grad():
                if args.double_dqn:
                    next_act = q_network(b_next).argmax(1, keepdim=True)
                    next_q = target_network(b_next).gather(1, next_act).squeeze(1)
                else:
                    next_q = target_network(b_next).max(1).values
                td_target = b_rew + args.gamma * next_q * (1.0 - b_done)
            q = q_network(b_obs).gather(1, b_act[:, None]).squeeze(1)
            loss = F.smooth_l1_loss(q, td_target)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(q_network.parameters(), 10.0)
            optimizer.step()
            losses.append(loss.item())
            q_means.append(q.mean().item())

        if step % args.target_network_frequency == 0:
            for t, o in zip(target_network.parameters(), q_network.parameters(), strict=True):
                t.data.copy_(args.tau * o.data + (1.0 - args.tau) * t.data)
        if selfplay and step % args.selfplay_refresh == 0:
            frozen.net.load_state_dict(q_network.state_dict())
        if step % args.eval_every == 0:
            evaluate_and_checkpoint()
        if progress is not None:
            text = f"step {step} ep {episodes} eps {epsilon:.2f}"
            if last_eval:
                text += f" win {last_eval['win_rate']:.0%} (best {best['win_rate']:.0%})"
            progress({"done": fraction_done(), "text": text})

    if not last_eval or last_eval["step"] != step:
        evaluate_and_checkpoint()
    env.close()
    summary = {
        **_summary_fields(args, eval_opponent),
        "steps": step, "episodes": episodes, "wall_time_s": round(time.monotonic() - start_time, 1),
        "final_win_rate": last_eval["win_rate"], "best_win_rate": best["win_rate"],
        "best_step": best["step"], "agent": str(out / "agent"), "metrics": str(out / "metrics.csv"),
    }  # fmt: skip
    # The shipped zip is the best evaluated network, with the curve that led to it.
    best_agent = load_agent(out / "agent")
    save_agent(
        out / "agent.zip", best_agent.model, best_agent.config, metrics_csv=out / "metrics.csv"
    )
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


def _summary_fields(args: DQNArgs, eval_opponent: str) -> dict[str, Any]:
    a = asdict(args)
    return {
        "algo": "dqn", "opponent": args.opponent, "eval_opponent": eval_opponent,
        "seed": args.seed, "args": {k: v for k, v in a.items() if k not in ("out", "extra")},
        **args.extra,
    }  # fmt: skip
