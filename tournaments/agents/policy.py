"""The acting side of an agent: a loaded network plus the config that describes it."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn


class Agent:
    """A trained agent that picks an action for each observation.

    Greedy over the network's output (Q-values or policy logits). A recurrent agent carries its
    LSTM state from one decision to the next; call :meth:`reset` at the start of each match.
    For a 60 Hz match run acting in a worker with ``torch.set_num_threads(1)``: one thread is
    fastest for these small networks and leaves the other cores to other matches.

    Args:
        model: The network, already holding its weights.
        config: The agent's config (see ``agent_file``); kept as-is for display and saving.
    """

    def __init__(self, model: nn.Module, config: dict[str, Any]) -> None:
        self.model = model.eval()
        self.config = config
        self.recurrent = bool(getattr(model, "recurrent", False))
        self.obs_shape = tuple(config["obs"]["shape"])
        self._state: tuple[torch.Tensor, torch.Tensor] | None = None

    @property
    def architecture(self) -> str:
        """The registry name of the network."""
        return str(self.config["architecture"])

    @property
    def frame_skip(self) -> int:
        """Game ticks per decision the agent was trained with."""
        return int(self.config["frame_skip"])

    @property
    def obs_type(self) -> str:
        """Observation kind the agent expects: ``"state"`` or ``"pixels"``."""
        return str(self.config["obs"]["type"])

    def reset(self, seed: int | None = None) -> None:
        """Forgets the recurrent state (a no-op for feed-forward agents).

        Args:
            seed: Ignored (agents act greedily); accepted so an agent can stand in for a bot,
                whose ``reset(seed)`` the arena's single-agent env calls.
        """
        self._state = None

    def act(self, obs: np.ndarray) -> int:
        """Picks an action for one observation.

        Args:
            obs: One observation of shape ``obs_shape`` (from the player's own perspective).

        Returns:
            The action index.

        Raises:
            ValueError: The observation does not have the agent's shape.
        """
        x = np.asarray(obs)
        if x.shape != self.obs_shape:
            raise ValueError(f"observation shape {x.shape} != agent's {self.obs_shape}")
        if self.obs_type == "state":
            x = x.astype(np.float32, copy=False)
        with torch.inference_mode():
            t = torch.from_numpy(np.ascontiguousarray(x))[None]  # a batch of one
            if self.recurrent:
                logits, self._state = self.model(t.unsqueeze(1), self._state)
                return int(logits[0, -1].argmax())
            return int(self.model(t)[0].argmax())

    __call__ = act
