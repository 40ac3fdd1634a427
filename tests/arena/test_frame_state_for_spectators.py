import json

from tournaments.arena.characters import SUB
from tournaments.arena.state import frame_state

from .helpers import new_game, place, run


def test_it_is_plain_json_with_both_fighters_in_screen_pixels() -> None:
    game = new_game(("kaito", "vixen"))
    place(game, 40, 220)
    run(game, "special", "back", 16)
    state = json.loads(json.dumps(frame_state(game)))
    p1, p2 = state["fighters"]
    assert (p1["name"], p2["name"]) == ("kaito", "vixen")
    assert p1["x"] == game.p1.x // SUB and p2["x"] == game.p2.x // SUB
    assert p1["feet"] == 200 and state["phase"] == "fight" and state["banner"] is None
    assert state["projectiles"] and state["projectiles"][0]["owner"] == "p1"
    assert state["timer"] == 99


def test_an_active_attack_reports_its_hitbox_in_front_of_the_attacker() -> None:
    game = new_game()
    place(game, 100, 200)
    run(game, "kick", "noop", game.p1.char.moves[1].startup + 1)
    box = frame_state(game)["fighters"][0]["hitbox"]
    assert box is not None
    assert box[0] > game.p1.x // SUB  # facing right: the box lies to the right


def test_after_a_ko_it_carries_the_banner_and_the_winner() -> None:
    game = new_game(max_rounds=1, banner_ticks=120)
    game.p1.health = 0
    run(game, "noop", "noop")
    state = frame_state(game)
    assert state["banner"] == {"ko": "K.O.", "winner": "p2"}
    assert state["fighters"][0]["state"] == "defeated"
    run(game, "noop", "noop", 120)
    assert frame_state(game)["match_winner"] == "p2"
