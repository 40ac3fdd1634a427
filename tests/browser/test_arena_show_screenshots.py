"""A real bot match drawn in Chromium by ArenaView: poses, a hit spark, the win-probability bar.

Also the script that makes the README's screenshots:
``.venv/bin/python -m tests.browser.test_arena_show_screenshots docs/arena``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tests.browser.arena_page import draw, open_view
from tournaments.arena.replay import play_match
from tournaments.arena.state import frame_state
from tournaments.arena.winprob import load_default

pytestmark = [pytest.mark.browser]
MATCH = {"id": 1, "p1": {"name": "Sparring bot", "rating": 1538},
         "p2": {"name": "cpu_hard", "rating": 1612}, "best_of": 3, "tournament": None}  # fmt: skip


def moments(seed: int = 7) -> dict[str, dict]:
    """States of one bot match worth a screenshot: a clean hit, a blocked hit, the K.O."""
    model = load_default()
    assert model is not None, "the win-probability weights are missing"
    picked: dict[str, dict] = {}

    def look(game) -> None:
        state = None
        fresh = [h for h in game.hits if game.tick - h[0] == 2]
        if fresh and game.tick > 300:
            kind = "block" if fresh[-1][2] else "hit"
            if kind not in picked or (kind == "hit" and picked[kind]["tick"] < 900):
                state = frame_state(game)
                picked[kind] = state
        if game.phase == 1 and game.banner_ticks - game.banner == 50 and "ko" not in picked:
            if game.p1.health <= 0 or game.p2.health <= 0:
                state = frame_state(game)
                picked["ko"] = state
        if state is not None:
            state["win_p1"] = model.p1_win(game)

    play_match(seed=seed, agents=("cpu_medium", "cpu_hard"), characters=("kaito", "brick"),
               on_tick=look)  # fmt: skip
    return picked


def test_a_spectator_sees_poses_a_hit_spark_and_the_win_probability_bar(page, tmp_path):
    shots = moments()
    assert {"hit", "block", "ko"} <= set(shots)
    open_view(page, scale=2)
    frame = draw(page, shots["hit"], MATCH)
    spark = shots["hit"]["effects"][-1]
    x, y = spark["x"] * 2, spark["y"] * 2
    assert (frame[y - 16 : y + 16, x - 16 : x + 16] > 235).all(axis=2).sum() > 10  # the spark
    p = shots["hit"]["win_p1"]
    row = frame[217 * 2, 20:492].astype(int)
    blue = (np.abs(row - (40, 90, 255)).max(axis=1) < 30).sum()
    red = (np.abs(row - (255, 50, 50)).max(axis=1) < 30).sum()
    assert abs(blue / (blue + red) - p) < 0.06
    page.screenshot(path=str(tmp_path / "hit.png"))
    assert (tmp_path / "hit.png").stat().st_size > 10_000


SHEET = (("idle", 0, 48), ("walk", 8, 32), ("crouch", 0, 1), ("block", 0, 1), ("jump", 120, 300),
         ("punch_active", 0, 3), ("kick_active", 0, 4), ("low_punch_active", 0, 3),
         ("low_kick_active", 0, 4), ("air_kick_active", 0, 8), ("special_active", 0, 1),
         ("hitstun", 5, 1), ("knockdown", 5, 50), ("knockdown", 25, 50),
         ("victory", 40, 60))  # fmt: skip


def pose_sheet(char: str = "kaito") -> np.ndarray:
    """Every pose of one character as the video renderer draws it, labelled (RGB)."""
    from tournaments.arena.characters import get_character
    from tournaments.arena.pose import palette, relative_limbs
    from tournaments.arena.render import _BACKGROUND, _blit, _sprite, _text, text_mask

    cell_w, cell_h, cols = 84, 120, 5
    rows = -(-len(SHEET) // cols)
    sheet = np.zeros((rows * cell_h, cols * cell_w, 3), dtype=np.uint8)
    pal = palette(get_character(char).colors, 0)
    for i, (name, frame_no, length) in enumerate(SHEET):
        x0, y0 = (i % cols) * cell_w, (i // cols) * cell_h
        cell = sheet[y0 : y0 + cell_h, x0 : x0 + cell_w]
        cell[:] = _BACKGROUND[96 : 96 + cell_h, 100 : 100 + cell_w]
        rgb, mask, ox, oy, *_ = _sprite(relative_limbs(char, name, frame_no, length, 1), pal)
        feet = cell_h - 16 - (12 if name.startswith(("jump", "air")) else 0)
        _blit(cell, rgb, mask, cell_w // 2 - 8 + ox, feet + oy)
        label = name.replace("_active", "").replace("_", " ")
        _text(cell, label, (cell_w - text_mask(label).shape[1]) // 2, cell_h - 11, (255, 255, 255))
    return sheet


def main(folder: str) -> None:
    """Write the README's screenshots (PNG, 512×448) into ``folder``."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import ARGS, CHROMIUM

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 512, "height": 448})
        open_view(page, scale=2)
        for name, state in moments().items():
            draw(page, state, MATCH)
            page.locator("canvas").screenshot(path=str(out / f"{name}.png"))
            print(out / f"{name}.png", f"tick {state['tick']}", f"win_p1 {state['win_p1']:.2f}")
        browser.close()
    from tournaments.arena.profile import png_bytes
    from tournaments.arena.render import upscale

    (out / "poses.png").write_bytes(png_bytes(upscale(pose_sheet(), 2)))
    print(out / "poses.png")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "var/screenshots/arena")
