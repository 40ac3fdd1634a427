"""The arena: a built-in deterministic two-player fighting game (plain Python + numpy).

No Django here: the game, its environments, bots and video rendering run from scripts and tests.
"""

from .actions import ACTIONS, N_ACTIONS, action_from_keys
from .characters import CHARACTER_NAMES, CHARACTERS, MAX_HEALTH
from .env import PIXEL_SHAPE, ArenaParallelEnv, make_env
from .game import Game
from .obs import OBS_FIELDS, OBS_INDEX, OBS_SIZE, observe
from .render import render_frame

__all__ = [
    "ACTIONS",
    "CHARACTERS",
    "CHARACTER_NAMES",
    "MAX_HEALTH",
    "N_ACTIONS",
    "OBS_FIELDS",
    "OBS_INDEX",
    "OBS_SIZE",
    "PIXEL_SHAPE",
    "ArenaParallelEnv",
    "Game",
    "action_from_keys",
    "make_env",
    "observe",
    "render_frame",
]
