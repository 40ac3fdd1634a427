"""Each fighter state is drawn with its own pose from the one pose table (arena.pose)."""

from __future__ import annotations

import numpy as np
import pytest

from tournaments.arena.characters import SUB
from tournaments.arena.game import HITSTUN, KNOCKDOWN
from tournaments.arena.pose import KEYS, POSES, TABLE, key_joints, limbs, pose_of
from tournaments.arena.render import render_frame
from tournaments.arena.state import frame_state

from .helpers import new_game, place, run

MOVES = ("punch", "kick", "low_punch", "low_kick", "special")
BUTTON = {"low_punch": "down_punch", "low_kick": "down_kick", "air_kick": "kick"}


def _bone(a: str, b: str) -> int:
    """Index of the limb drawn from joint ``a`` to joint ``b`` in ``pose.limbs``' output."""
    return next(i for i, bone in enumerate(TABLE["bones"]) if (bone["a"], bone["b"]) == (a, b))


def _game_in(pose: str):
    """A game whose p1 is in the state that ``pose`` draws (built by playing it)."""
    game = new_game(("kaito", "brick"))
    place(game, 60, 200)
    if pose in ("idle", "walk", "crouch", "block", "crouch_block", "jump"):
        action = {"idle": "noop", "walk": "forward", "crouch": "down", "block": "back",
                  "crouch_block": "down_back", "jump": "up"}[pose]  # fmt: skip
        run(game, action, "noop", 3)
        return game
    move, _, phase = pose.rpartition("_")
    mv = game.p1.char.moves[MOVES.index(move)] if move in MOVES else game.p1.char.moves[4]
    if move == "air_kick":
        run(game, "up", "noop", 2)
    ticks = {"startup": 1, "active": mv.startup + 1, "recovery": mv.startup + mv.active + 2}[phase]
    run(game, BUTTON.get(move, move), "noop", ticks)
    return game


@pytest.mark.parametrize(
    "pose",
    ["idle", "walk", "crouch", "block", "crouch_block", "jump"]
    + [f"{m}_{p}" for m in (*MOVES, "air_kick") for p in ("startup", "active", "recovery")
       if (m, p) != ("special", "active")],
)  # fmt: skip
def test_each_state_is_drawn_with_its_own_pose(pose: str) -> None:
    game = _game_in(pose)
    assert pose_of(game, 0)[0] == pose
    state = frame_state(game)
    assert state["fighters"][0]["pose"] == pose
    assert state["fighters"][0]["limbs"] == limbs(game, 0)


def test_a_hit_stunned_fighter_is_drawn_leaning_back_not_idle() -> None:
    game = new_game(("kaito", "kaito"))
    place(game, 100, 125)
    run(game, "punch", "noop", game.p1.char.moves[0].startup + 1)
    assert game.p2.state == HITSTUN
    state = frame_state(game)
    assert state["fighters"][1]["pose"] == "hitstun"
    head = state["fighters"][1]["limbs"][_bone("head", "head")]
    hip = state["fighters"][1]["limbs"][_bone("hip", "hip")]
    # p2 faces left (-x): leaning back puts its head to the right of its hips.
    assert head[0] > hip[0] + 4
    # The pixels differ from the idle drawing of the same fighter.
    before = render_frame(game)
    game.p2.state, game.hits = 0, []
    assert not np.array_equal(before[100:200, 110:160], render_frame(game)[100:200, 110:160])


def test_a_knocked_down_fighter_falls_lies_and_gets_up() -> None:
    game = new_game(("kaito", "kaito"))
    place(game, 100, 130)
    run(game, "down_kick", "noop", game.p1.char.moves[3].startup + 1)
    assert game.p2.state == KNOCKDOWN
    heights = []
    for _ in range(49):
        assert frame_state(game)["fighters"][1]["pose"] == "knockdown"
        heights.append(min(lb[1] for lb in limbs(game, 1)))
        run(game, "noop", "noop")
    top = 200 - game.p2.char.stand_h
    assert heights[0] < top + 20  # still mostly upright when hit
    assert min(heights[15:35]) > 200 - 20  # lying flat in the middle
    assert heights[-1] < 200 - 25  # up on a knee by the end


def test_an_active_attack_reaches_into_its_hitbox() -> None:
    for pose in ("punch_active", "kick_active", "low_punch_active", "low_kick_active"):
        game = _game_in(pose)
        hitbox = frame_state(game)["fighters"][0]["hitbox"]
        bone = _bone("hand_f", "hand_f") if "punch" in pose else _bone("knee_f", "foot_f")
        x, y = limbs(game, 0)[bone][2:4]
        x0, top, w, h = hitbox
        assert x0 <= x <= x0 + w and top - 1 <= y <= top + h + 1, (pose, (x, y), hitbox)


def test_every_pose_names_existing_keys_and_walks_cycle() -> None:
    for name, spec in POSES.items():
        for t, key in spec["keys"]:
            assert key in KEYS and 0 <= t <= 1, name
    a, b = key_joints("walk", 0, 32), key_joints("walk", 16, 32)
    assert a != b
    assert key_joints("walk", 32, 32) == a


def test_the_walk_cycle_follows_the_distance_walked() -> None:
    game = _game_in("walk")
    seen = set()
    for _ in range(20):
        run(game, "forward", "noop")
        seen.add(pose_of(game, 0)[1])
        assert pose_of(game, 0)[1] == (game.p1.x // SUB) % 32
    assert len(seen) > 5
