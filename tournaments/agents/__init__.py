"""AI agents for the arena: agent files, DQN and behaviour-cloning trainers, evaluation.

Plain Python + torch, no Django. Public names are imported lazily so that, e.g., the play page
can use :class:`DatasetWriter` without paying for importing torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Agent": "policy",
    "AgentFileError": "agent_file",
    "load_agent": "agent_file",
    "save_agent": "agent_file",
    "make_config": "agent_file",
    "ARCHITECTURES": "registry",
    "build_network": "registry",
    "DatasetWriter": "dataset",
    "DatasetError": "dataset",
    "open_dataset": "dataset",
    "DQNArgs": "dqn",
    "train_dqn": "dqn",
    "BCArgs": "bc",
    "train_bc": "bc",
    "record_bot_dataset": "record",
    "play_matches": "evaluate",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
