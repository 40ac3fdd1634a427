"""The browser (static/js/arena.js) and the video renderer (render.py) draw the same fighters."""

from __future__ import annotations

import numpy as np
import pytest

from tests.arena.helpers import new_game, place, run
from tests.browser.arena_page import draw, open_view
from tournaments.arena.render import render_frame
from tournaments.arena.state import frame_state

pytestmark = [pytest.mark.browser]


def _fighter_mask(frame: np.ndarray, state: dict, player: int) -> np.ndarray:
    """Pixels of the frame near one of the fighter's palette colours, around its limbs."""
    f = state["fighters"][player]
    xs = [v for lb in f["limbs"] for v in (lb[0], lb[2])]
    ys = [v for lb in f["limbs"] for v in (lb[1], lb[3])]
    region = np.zeros(frame.shape[:2], dtype=bool)
    region[max(0, min(ys) - 6) : max(ys) + 6, max(0, min(xs) - 6) : max(xs) + 6] = True
    colours = np.array(f["palette"], dtype=np.int32)
    dist = np.abs(frame[:, :, None, :].astype(np.int32) - colours[None, None]).max(axis=3)
    return region & (dist.min(axis=2) <= 24)


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def _states():
    idle = new_game(("kaito", "brick"))
    kick = new_game(("vixen", "volt"))
    place(kick, 100, 150)
    run(kick, "kick", "noop", kick.p1.char.moves[1].startup + 1)
    hurt = new_game(("brick", "kaito"))
    place(hurt, 110, 140)
    run(hurt, "punch", "noop", hurt.p1.char.moves[0].startup + 1)
    assert hurt.p2.state == 5  # HITSTUN
    return {"idle": idle, "kick": kick, "hurt": hurt}


@pytest.mark.parametrize("name", ["idle", "kick", "hurt"])
def test_both_renderers_put_each_fighter_in_the_same_place_in_the_same_colours(page, name):
    game = _states()[name]
    state = frame_state(game)
    py = render_frame(game)
    open_view(page)
    js = draw(page, state)
    for player in (0, 1):
        m_py, m_js = _fighter_mask(py, state, player), _fighter_mask(js, state, player)
        assert m_py.sum() > 150 and m_js.sum() > 150
        for a, b in zip(_box(m_py), _box(m_js), strict=True):
            assert abs(a - b) <= 2, (name, player, _box(m_py), _box(m_js))
        overlap = (m_py & m_js).sum() / (m_py | m_js).sum()
        assert overlap > 0.75, (name, player, overlap)
        # The same shares of the main colours (body, limbs, skin, headband) in both pictures.
        # Only pixels of exactly one palette colour count (not anti-aliased edges).
        colours = np.array(state["fighters"][player]["palette"], dtype=np.int32)
        main = [0, 1, 2, 3, len(colours) - 1]  # body, limbs, skin, headband, hit flash

        def shares(frame, mask, colours=colours, main=main):
            px = frame[mask].astype(np.int32)
            dist = np.abs(px[:, None, :] - colours[None]).max(axis=2)
            nearest = dist.argmin(axis=1)[dist.min(axis=1) <= 8]
            counts = np.bincount(nearest, minlength=len(colours))[main]
            return counts / counts.sum()

        a, b = shares(py, m_py), shares(js, m_js)
        assert np.abs(a - b).sum() < 0.2, (name, player, a, b)


def test_both_renderers_draw_the_same_stage_hud_and_bar(page):
    game = new_game(("kaito", "brick"))
    game.p2.health = 400
    state = frame_state(game) | {"win_p1": 0.8}
    match = {"p1": {"name": "Alice", "rating": 1500}, "p2": {"name": "Bob", "rating": 1400}}
    py = render_frame(game, match=match, win_p1=0.8)
    open_view(page)
    js = draw(page, state, match)
    diff = np.abs(py.astype(int) - js.astype(int)).max(axis=2)
    assert (diff > 40).mean() < 0.05
    # The bar: blue up to 80% of its width, red after, in both.
    for frame in (py, js):
        assert tuple(frame[217, 30]) == (40, 90, 255)
        assert tuple(frame[217, 220]) == (255, 50, 50)
