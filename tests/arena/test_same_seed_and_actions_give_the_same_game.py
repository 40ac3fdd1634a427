import random

from tournaments.arena.game import Game


def _play(seed: int, actions: list[tuple[int, int]]) -> list[str]:
    game = Game(("kaito", "volt"), seed=seed)
    hashes = []
    for i, (a1, a2) in enumerate(actions):
        game.step(a1, a2)
        if i % 500 == 0:
            hashes.append(game.state_hash())
    hashes.append(game.state_hash())
    return hashes


def _actions(n: int, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    return [(rng.randrange(13), rng.randrange(13)) for _ in range(n)]


def test_the_same_seed_and_actions_give_identical_states_bit_for_bit() -> None:
    actions = _actions(6000, 1)
    assert _play(7, actions) == _play(7, actions)


def test_a_different_seed_gives_a_different_game() -> None:
    actions = _actions(3000, 2)
    assert _play(7, actions)[-1] != _play(8, actions)[-1]


def test_different_actions_give_a_different_game() -> None:
    assert _play(7, _actions(3000, 3))[-1] != _play(7, _actions(3000, 4))[-1]


def test_the_state_is_integers_only() -> None:
    game = Game(("brick", "vixen"), seed=3)
    for a1, a2 in _actions(2000, 5):
        game.step(a1, a2)

    def walk(value: object) -> None:
        assert not isinstance(value, float), value
        if isinstance(value, tuple):
            for v in value:
                walk(v)

    walk(game.snapshot())
