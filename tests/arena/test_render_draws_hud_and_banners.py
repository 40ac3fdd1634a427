import numpy as np
import pytest

from tournaments.arena.game import Game
from tournaments.arena.render import (
    DRAW_BOX,
    HEIGHT,
    KO_BOX,
    P1_WINS_BOX,
    P2_WINS_BOX,
    WIDTH,
    render_frame,
)

from .helpers import run


def _crop(frame: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x, y, w, h = box
    return frame[y : y + h, x : x + w]


def _after_round(winner: str | None) -> np.ndarray:
    game = Game(("kaito", "brick"), seed=0)
    if winner == "p1":
        game.p2.health = 0
    elif winner == "p2":
        game.p1.health = 0
    else:
        game.p1.health = game.p2.health = 0
    run(game, "noop", "noop")
    return render_frame(game)


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_a_frame_is_snes_sized_rgb_times_the_scale(scale: int) -> None:
    frame = render_frame(Game(), scale=scale)
    assert frame.shape == (HEIGHT * scale, WIDTH * scale, 3)
    assert frame.dtype == np.uint8


def test_a_scaled_frame_is_the_small_one_magnified() -> None:
    game = Game(("volt", "vixen"), seed=2)
    run(game, "forward", "kick", 12)
    small, big = render_frame(game), render_frame(game, scale=2)
    assert np.array_equal(big[::2, ::2], small)


def test_it_rejects_a_fractional_scale() -> None:
    with pytest.raises(ValueError, match="scale must be a positive integer"):
        render_frame(Game(), scale=1.5)  # type: ignore[arg-type]


def test_the_health_bar_shrinks_when_a_fighter_is_hurt() -> None:
    game = Game()
    full = render_frame(game)
    game.p1.health = 500
    half = render_frame(game)
    yellow = np.array([250, 220, 40])
    bar = (slice(10, 18), slice(16, 112))
    assert (full[bar] == yellow).all(axis=2).sum() == 2 * (half[bar] == yellow).all(axis=2).sum()


def test_no_banner_is_shown_during_the_fight() -> None:
    frame = render_frame(Game())
    assert not (_crop(frame, P1_WINS_BOX) == (20, 30, 130)).all(axis=2).any()
    assert not (_crop(frame, KO_BOX) == (0, 0, 0)).all(axis=2).all()


def test_p1_and_p2_win_banners_differ_in_place_and_colour() -> None:
    p1, p2 = _after_round("p1"), _after_round("p2")
    # K.O. banner in both.
    assert (_crop(p1, KO_BOX) == (235, 30, 30)).all(axis=2).any()
    assert (_crop(p2, KO_BOX) == (235, 30, 30)).all(axis=2).any()
    # P1 WINS on the left in blue; P2 WINS on the right in red.
    assert (_crop(p1, P1_WINS_BOX)[0, 0] == (20, 30, 130)).all()
    assert (_crop(p2, P2_WINS_BOX)[0, 0] == (130, 20, 20)).all()
    assert not np.array_equal(_crop(p1, P2_WINS_BOX), _crop(p2, P2_WINS_BOX))
    assert not np.array_equal(_crop(p1, P1_WINS_BOX), _crop(p2, P1_WINS_BOX))


def test_a_double_ko_shows_a_draw_banner() -> None:
    frame = _after_round(None)
    assert (_crop(frame, DRAW_BOX)[0, 0] == (60, 60, 60)).all()
