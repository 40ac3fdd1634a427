from tournaments.arena.game import BLOCKSTUN, HITSTUN

from .helpers import new_game, place, run


def _damage(attack: str, guard: str) -> tuple[int, int]:
    game = new_game()
    place(game, 100, 125)
    run(game, attack, guard)
    states = set()
    for _ in range(25):
        run(game, "noop", guard)
        states.add(game.p2.state)
    return 1000 - game.p2.health, BLOCKSTUN if BLOCKSTUN in states else HITSTUN


def test_a_standing_block_cuts_a_punch_to_chip_damage() -> None:
    clean, clean_state = _damage("punch", "noop")
    blocked, blocked_state = _damage("kick", "back")
    punch_blocked, _ = _damage("punch", "back")
    assert clean >= 40 and clean_state == HITSTUN
    assert blocked_state == BLOCKSTUN
    assert 0 < punch_blocked <= clean // 5
    assert blocked <= 80 // 6


def test_a_low_attack_goes_through_a_standing_block() -> None:
    damage, state = _damage("down_punch", "back")
    assert damage >= 30
    assert state == HITSTUN


def test_a_crouching_block_stops_a_low_attack() -> None:
    damage, state = _damage("down_punch", "down_back")
    assert state == BLOCKSTUN
    assert damage <= 40 // 6
