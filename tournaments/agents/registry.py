"""The architecture registry: every network an agent file may name.

An agent file names its architecture and hyper-parameters in JSON; loading builds the network
from this registry and only then fills in the weights, so a file can never make us run code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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


class CNNLSTMPolicy(nn.Module):
    """A small CNN per frame, an LSTM over time and a linear head: the pixels BC policy.

    Frames are uint8-valued (the arena's ``obs="pixels"``, (H, W, C)); they are scaled to
    [0, 1] inside the network so datasets and acting can pass the raw frames.

    Args:
        obs_shape: (height, width, channels) of one frame.
        n_actions: Number of discrete actions.
        hidden: Width of the frame embedding and of the LSTM state.
    """

    recurrent = True

    def __init__(self, obs_shape: tuple[int, int, int], n_actions: int, hidden: int = 128) -> None:
        super().__init__()
        h, w, c = obs_shape
        self.obs_shape = obs_shape
        self.conv = nn.Sequential(
            nn.Conv2d(c, 16, 8, stride=4), nn.ReLU(),
            nn.Conv2d(16, 32, 4, stride=2), nn.ReLU(),
            nn.Conv2d(32, 32, 3, stride=2), nn.ReLU(),
            nn.Flatten(),
        )  # fmt: skip
        with torch.no_grad():
            flat = self.conv(torch.zeros(1, c, h, w)).shape[1]
        self.embed = nn.Sequential(nn.Linear(flat, hidden), nn.ReLU())
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_actions)

    def forward(
        self,
        obs: torch.Tensor,
        state: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Runs a (batch, time, H, W, C) sequence of frames.

        Returns:
            Logits of shape (batch, time, n_actions) and the final (h, c) state.
        """
        b, t = obs.shape[:2]
        frames = obs.reshape(b * t, *self.obs_shape).permute(0, 3, 1, 2).float() / 255.0
        z = self.embed(self.conv(frames)).reshape(b, t, -1)
        out, new_state = self.lstm(z, state)
        return self.head(out), new_state


@dataclass(frozen=True)
class Architecture:
    """A registered network: how to build it and how to check its hyper-parameters."""

    name: str
    build: Callable[[tuple[int, ...], int, Mapping[str, Any]], nn.Module]
    defaults: Mapping[str, Any]
    recurrent: bool
    obs: str
    doc: str


def _positive_int(value: Any, what: str, low: int = 1, high: int = 4096) -> int:
    # bool is an int subclass; a JSON `true` is not a width.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ArchitectureError(f"{what} must be an integer in [{low}, {high}], got {value!r}")
    return value


def _flat(obs_shape: tuple[int, ...]) -> int:
    size = 1
    for s in obs_shape:
        size *= s
    return _positive_int(size, "observation size", high=1_000_000)


def _build_mlp_q(obs_shape: tuple[int, ...], n_actions: int, hp: Mapping[str, Any]) -> nn.Module:
    hidden = hp.get("hidden", [256, 256])
    if not isinstance(hidden, list | tuple) or not 1 <= len(hidden) <= 8:
        raise ArchitectureError(f"hidden must be a list of 1 to 8 layer widths, got {hidden!r}")
    sizes = tuple(_positive_int(h, "each hidden width") for h in hidden)
    return MLPQNetwork(_flat(obs_shape), n_actions, sizes)


def _build_lstm_policy(
    obs_shape: tuple[int, ...], n_actions: int, hp: Mapping[str, Any]
) -> nn.Module:
    hidden = _positive_int(hp.get("hidden", 128), "hidden")
    layers = _positive_int(hp.get("layers", 1), "layers", high=4)
    return LSTMPolicy(_flat(obs_shape), n_actions, hidden, layers)


def _build_cnn_lstm_policy(
    obs_shape: tuple[int, ...], n_actions: int, hp: Mapping[str, Any]
) -> nn.Module:
    if len(obs_shape) != 3 or not (36 <= obs_shape[0] <= 1024 and 36 <= obs_shape[1] <= 1024):
        raise ArchitectureError(
            f"cnn_lstm_policy needs frames of shape (H, W, C), 36..1024 pixels a side, "
            f"got {list(obs_shape)}"
        )
    _positive_int(obs_shape[2], "channels", high=4)
    hidden = _positive_int(hp.get("hidden", 128), "hidden")
    return CNNLSTMPolicy((obs_shape[0], obs_shape[1], obs_shape[2]), n_actions, hidden)


ARCHITECTURES: dict[str, Architecture] = {
    a.name: a
    for a in (
        Architecture(
            "mlp_q",
            _build_mlp_q,
            {"hidden": [256, 256]},
            recurrent=False,
            obs="state",
            doc="MLP Q-network over the state vector (DQN); acts greedily.",
        ),
        Architecture(
            "lstm_policy",
            _build_lstm_policy,
            {"hidden": 128, "layers": 1},
            recurrent=True,
            obs="state",
            doc="Encoder + LSTM policy over time (behaviour cloning); acts greedily.",
        ),
        Architecture(
            "cnn_lstm_policy",
            _build_cnn_lstm_policy,
            {"hidden": 128},
            recurrent=True,
            obs="pixels",
            doc="CNN per frame + LSTM over time (behaviour cloning from pixels).",
        ),
    )
}

_KNOWN_KEYS = {
    "mlp_q": {"hidden"},
    "lstm_policy": {"hidden", "layers"},
    "cnn_lstm_policy": {"hidden"},
}


def build_network(
    name: str,
    obs_shape: int | Sequence[int],
    n_actions: int,
    hyperparameters: Mapping[str, Any],
) -> nn.Module:
    """Builds a registered network.

    Args:
        name: Architecture name, a key of ``ARCHITECTURES``.
        obs_shape: Shape of one observation (an int for a flat vector).
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
    shape = (obs_shape,) if isinstance(obs_shape, int) else tuple(obs_shape)
    if not shape or not all(isinstance(s, int) and s > 0 for s in shape):
        raise ArchitectureError(f"observation shape must be positive integers, got {shape!r}")
    _flat(shape)
    _positive_int(n_actions, "n_actions", high=1024)
    return arch.build(shape, n_actions, {**arch.defaults, **hyperparameters})
