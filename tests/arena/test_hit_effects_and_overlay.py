"""Hit sparks, block flashes, damage numbers, the combo counter, the K.O. hold, names and odds."""

from __future__ import annotations

import numpy as np

from tournaments.arena.game import DEFEATED, HITSTUN
from tournaments.arena.render import render_frame
from tournaments.arena.state import frame_state

from .helpers import new_game, place, run

SPARK_WHITE = np.array([255, 255, 255])


def _near(frame: np.ndarray, x: int, y: int, colour, r: int = 8) -> int:
    box = frame[max(0, y - r) : y + r, max(0, x - r) : x + r]
    return int((box == colour).all(axis=2).sum())


def _punch_until_contact(game, defender_action: str = "noop") -> int:
    """Punch with p1 until the tick it lands; return that tick."""
    for _ in range(20):
        run(game, "punch", defender_action)
        if game.hits and game.hits[-1][0] == game.tick:
            return game.tick
    raise AssertionError("the punch never landed")


def test_a_spark_and_the_damage_appear_on_the_tick_the_hit_lands() -> None:
    game = new_game(("kaito", "kaito"))
    place(game, 100, 125)
    run(game, "punch", "noop", game.p1.char.moves[0].startup)
    before = frame_state(game)
    assert before["effects"] == []
    _punch_until_contact(game)
    state = frame_state(game)
    (spark,) = state["effects"]
    assert (spark["kind"], spark["target"], spark["age"]) == ("hit", "p2", 0)
    assert spark["rays"] and spark["damage"] == 1000 - game.p2.health
    frame = render_frame(game)
    assert _near(frame, spark["x"], spark["y"], SPARK_WHITE) > 10
    # The damage number is drawn above the contact in yellow.
    nx, ny = spark["number"]
    assert _near(frame, nx, ny + 3, (255, 236, 90), r=10) > 5
    # The spark fades; the number stays a little longer, then both are gone.
    run(game, "noop", "noop", 12)
    later = frame_state(game)["effects"]
    assert later and later[0]["rays"] == [] and later[0]["number"] is not None
    run(game, "noop", "noop", 40)
    assert frame_state(game)["effects"] == []


def test_a_blocked_hit_flashes_blue_not_white() -> None:
    game = new_game(("kaito", "kaito"))
    place(game, 100, 125)
    _punch_until_contact(game, defender_action="back")
    (flash,) = frame_state(game)["effects"]
    assert flash["kind"] == "block" and flash["color"][2] > flash["color"][0]
    frame = render_frame(game)
    assert _near(frame, flash["x"], flash["y"], flash["color"]) > 5
    assert _near(frame, flash["x"], flash["y"], SPARK_WHITE, r=4) == 0


def test_the_combo_counter_counts_clean_hits_while_the_defender_stays_stunned() -> None:
    game = new_game(("kaito", "kaito"))
    place(game, 100, 125)
    _punch_until_contact(game)
    assert frame_state(game)["fighters"][1]["combo"] == 0  # one hit is no combo
    game.p2.timer = 60  # keep p2 stunned long enough for the next punch to link
    run(game, "noop", "noop", 12)
    _punch_until_contact(game)
    assert game.p2.state == HITSTUN
    fighter = frame_state(game)["fighters"][1]
    assert fighter["combo"] == 2 and fighter["combo_damage"] == 1000 - game.p2.health
    frame = render_frame(game)
    gold = (frame[40:62, 16:120] == (255, 200, 40)).all(axis=2).sum()
    assert gold > 40  # "2 HITS" on p1's (the attacker's) side
    game.p2.timer = 1
    run(game, "noop", "noop", 2)
    assert frame_state(game)["fighters"][1]["combo"] == 0


def test_the_ko_flashes_and_the_loser_falls_slowly_while_the_banner_holds() -> None:
    game = new_game(("kaito", "brick"), banner_ticks=120)
    game.p2.health = 0
    calm = render_frame(game).astype(int).mean()
    run(game, "noop", "noop")
    state = frame_state(game)
    assert state["ko_flash"] > 0.5 and state["fighters"][1]["pose"] == "defeated"
    assert state["fighters"][0]["pose"] != "victory"  # the moment is held before celebrating
    assert render_frame(game).astype(int).mean() > calm + 40  # the white flash
    tops = []
    for _ in range(80):
        tops.append(min(lb[1] for lb in frame_state(game)["fighters"][1]["limbs"]))
        run(game, "noop", "noop")
    assert game.p2.state == DEFEATED
    assert tops[0] < 150 and tops[-1] > 180  # standing at the K.O., lying after the hold
    assert tops[10] < tops[-1] - 20  # slow motion: still falling a sixth of a second later
    assert frame_state(game)["ko_flash"] == 0
    assert frame_state(game)["fighters"][0]["pose"] == "victory"


def test_names_ratings_and_the_win_bar_are_drawn_only_when_given() -> None:
    game = new_game()
    plain = render_frame(game)
    match = {"p1": {"name": "alice", "rating": 1512.4}, "p2": {"name": "bob", "rating": None}}
    shown = render_frame(game, match=match, win_p1=0.25)
    strip = (slice(202, 224), slice(8, 248))
    assert not np.array_equal(plain[strip], shown[strip])
    blue = (shown[214:220, 10:246] == (40, 90, 255)).all(axis=2).any(axis=0).sum()
    red = (shown[214:220, 10:246] == (255, 50, 50)).all(axis=2).any(axis=0).sum()
    assert abs(blue / (blue + red) - 0.25) < 0.03
    white_name = (shown[203:210, 10:60] == 255).all(axis=2).sum()
    assert white_name > 20
