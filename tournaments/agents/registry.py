"""The architecture registry: every network an agent file may name.

An agent file names its architecture and hyper-parameters in JSON; loading builds the network
from this registry and only then fills in the weights, so a file can never make us run code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn


class ArchitectureError(ValueError):
    """Raised when an architecture name or its hyper-parameters are not valid."""


class MLPQNetwork(nn.Module):
    """A multi-layer perceptron mapping a state vector to one Q-value per action.

    Args:
        obs_dim: Length of the (flat) observation vector.
        n_actions: Number of discrete actions.
        hidden: Width of each hidden layer.
    """

    recurrent = False

    def __init__(self, obs_dim: int, n_actions: int, hidden: tuple[int, ...] = (256, 256)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = obs_dim
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU()]
            width = size
        layers.append(nn.Linear(width, n_actions))
        self.net = nn.Sequential(*layers)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Returns Q-values of shape (batch, n_actions) for obs of shape (batch, obs_dim)."""
        return self.net(obs)


class LSTMPolicy(nn.Module):
    """An encoder + LSTM over time + linear head giving action logits per time step.

    Trained on windows of observations; when acting it is stepped one observation at a time
    with its recurrent state carried between decisions.

    Args:
        obs_dim: Length of the (flat) observation vector.
        n_actions: Number of discrete actions.
        hidden: Width of the encoder and of the LSTM state.
        layers: Number of stacked LSTM layers.
    """

    recurrent = True

    def __init__(self, obs_dim: int, n_actions: int, hidden: int = 128, layers: int = 1) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(obs_dim, hidden), nn.ReLU())
        self.lstm = nn.LSTM(hidden, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, n_actions)

    def forward(
        self,
        obs: torch.Tensor,
        state: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Runs a (batch, time, obs_dim) sequence.

        Returns:
            Logits of shape (batch, time, n_actions) and the final (h, c) state.
        """
        out, new_state = self.lstm(self.encoder(obs), state)
        return self.head(out), new_state


@dataclass(frozen=True)
class Architecture:
    """A registered network: how to build it and how to check its hyper-parameters."""

    name: str
    build: Callable[[int, int, Mapping[str, Any]], nn.Module]
    defaults: Mapping[str, Any]
    recurrent: bool
    doc: str


def _positive_int(value: Any, what: str, low: int = 1, high: int = 4096) -> int:
    # bool is an int subclass; a JSON `true` is not a width.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ArchitectureError(f"{what} must be an integer in [{low}, {high}], got {value!r}")
    return value


def _build_mlp_q(obs_dim: int, n_actions: int, hp: Mapping[str, Any]) -> nn.Module:
    hidden = hp.get("hidden", [256, 256])
    if not isinstance(hidden, list | tuple) or not 1 <= len(hidden) <= 8:
        raise ArchitectureError(f"hidden must be a list of 1 to 8 layer widths, got {hidden!r}")
    sizes = tuple(_positive_int(h, "each hidden width") for h in hidden)
    return MLPQNetwork(obs_dim, n_actions, sizes)


def _build_lstm_policy(obs_dim: int, n_actions: int, hp: Mapping[str, Any]) -> nn.Module:
    hidden = _positive_int(hp.get("hidden", 128), "hidden")
    layers = _positive_int(hp.get("layers", 1), "layers", high=4)
    return LSTMPolicy(obs_dim, n_actions, hidden, layers)


ARCHITECTURES: dict[str, Architecture] = {
    a.name: a
    for a in (
        Architecture(
            "mlp_q",
            _build_mlp_q,
            {"hidden": [256, 256]},
            recurrent=False,
            doc="MLP Q-network over the state vector (DQN); acts greedily.",
        ),
        Architecture(
            "lstm_policy",
            _build_lstm_policy,
            {"hidden": 128, "layers": 1},
            recurrent=True,
            doc="Encoder + LSTM policy over time (behaviour cloning); acts greedily.",
        ),
    )
}

_KNOWN_KEYS = {"mlp_q": {"hidden"}, "lstm_policy": {"hidden", "layers"}}


def build_network(
    name: str, obs_dim: int, n_actions: int, hyperparameters: Mapping[str, Any]
) -> nn.Module:
    """Builds a registered network.

    Args:
        name: Architecture name, a key of ``ARCHITECTURES``.
        obs_dim: Length of the observation vector.
        n_actions: Number of discrete actions.
        hyperparameters: The architecture's hyper-parameters (missing ones take defaults).

    Returns:
        A freshly initialised ``nn.Module``.

    Raises:
        ArchitectureError: Unknown name, unknown hyper-parameter or an invalid value.
    """
    arch = ARCHITECTURES.get(name)
    if arch is None:
        known = ", ".join(sorted(ARCHITECTURES))
        raise ArchitectureError(f"unknown architecture {name!r} (known: {known})")
    if not isinstance(hyperparameters, Mapping):
        raise ArchitectureError("hyperparameters must be a JSON object")
    unknown = set(hyperparameters) - _KNOWN_KEYS[name]
    if unknown:
        raise ArchitectureError(f"unknown hyper-parameter(s) for {name}: {sorted(unknown)}")
    _positive_int(obs_dim, "obs_dim", high=1_000_000)
    _positive_int(n_actions, "n_actions", high=1024)
    return arch.build(obs_dim, n_actions, {**arch.defaults, **hyperparameters})
