import numpy as np
import pytest

from tournaments.arena.batch import BatchGame
from tournaments.arena.bots import make_bot
from tournaments.arena.game import Game
from tournaments.arena.obs import observe


@pytest.mark.parametrize(("chars", "banner"), [(("kaito", "volt"), 0), (("brick", "vixen"), 30)])
def test_the_numpy_batch_plays_the_same_games_bit_for_bit(
    chars: tuple[str, str], banner: int
) -> None:
    n = 16
    batch = BatchGame(n, chars, seeds=[3 * i + 1 for i in range(n)], banner_ticks=banner,
                      round_seconds=10)  # fmt: skip
    games = [Game(chars, seed=3 * i + 1, banner_ticks=banner, round_seconds=10) for i in range(n)]
    # Half the games are driven by bots (blocks, specials, jumps), half by random keys.
    bots = [(make_bot("cpu_hard", i), make_bot("cpu_medium", i)) for i in range(n // 2)]
    rng = np.random.default_rng(0)
    actions = np.zeros((n, 2), dtype=np.int64)
    for tick in range(2000):
        if tick % 4 == 0:
            actions = rng.integers(0, 13, (n, 2))
            for i, (b1, b2) in enumerate(bots):
                actions[i] = (b1.act(observe(games[i], 0)), b2.act(observe(games[i], 1)))
        batch.step(actions)
        for i, game in enumerate(games):
            game.step(int(actions[i, 0]), int(actions[i, 1]))
        if tick % 3 == 0:
            for i, game in enumerate(games):
                assert batch.snapshot(i) == game.snapshot(), f"game {i} differs at tick {tick}"
    assert [g.winner for g in games] == batch.winners()
    assert any(g.done for g in games)


def test_it_rejects_an_even_number_of_rounds() -> None:
    with pytest.raises(ValueError, match="max_rounds must be odd"):
        BatchGame(2, max_rounds=2)
