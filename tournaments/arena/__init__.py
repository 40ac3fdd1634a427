"""The arena: a built-in deterministic two-player fighting game (plain Python + numpy).

No Django here: the game, its environments, bots and video rendering run from scripts and tests.
See ``API.md`` next to this file.
"""

from .actions import ACTIONS, N_ACTIONS, action_from_keys
from .bots import BOT_NAMES, CpuBot, RandomBot, make_bot
from .characters import CHARACTER_NAMES, CHARACTERS, MAX_HEALTH
from .env import PIXEL_SHAPE, ArenaParallelEnv, make_env
from .game import Game
from .obs import OBS_FIELDS, OBS_INDEX, OBS_SIZE, observe
from .render import render_frame
from .replay import MatchRecord, play_match, replay_match
from .single import ArenaSingleEnv, make_single_env
from .state import frame_state
from .vector import ArenaVectorEnv, make_vector_env
from .video import render_match_video

__all__ = [
    "ACTIONS",
    "BOT_NAMES",
    "CHARACTERS",
    "CHARACTER_NAMES",
    "MAX_HEALTH",
    "N_ACTIONS",
    "OBS_FIELDS",
    "OBS_INDEX",
    "OBS_SIZE",
    "PIXEL_SHAPE",
    "ArenaParallelEnv",
    "ArenaSingleEnv",
    "ArenaVectorEnv",
    "CpuBot",
    "Game",
    "MatchRecord",
    "RandomBot",
    "action_from_keys",
    "make_bot",
    "make_env",
    "make_single_env",
    "make_vector_env",
    "observe",
    "frame_state",
    "play_match",
    "render_frame",
    "render_match_video",
    "replay_match",
]
