"""A bare page that draws arena states with static/js/arena.js (no server: the renderer alone)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ARENA_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "arena.js"


def open_view(page, scale: int = 1) -> None:
    """Put a canvas and ``window.view`` (an ArenaView) on ``page``."""
    page.set_content(
        "<body style='margin:0;background:#111'>"
        f"<canvas id='c' width='{256 * scale}' height='{224 * scale}'></canvas></body>"
    )
    page.add_script_tag(content=ARENA_JS.read_text(encoding="utf-8"))
    page.evaluate("() => { window.view = new window.ArenaView(document.getElementById('c')); }")


def draw(page, state: dict, match: dict | None = None) -> np.ndarray:
    """Draw ``state`` (and the match's names) in the browser; the canvas as RGB uint8."""
    data = page.evaluate(
        """([state, match]) => {
            const c = document.getElementById('c');
            window.view.setMatch(match);
            window.view.draw(state);
            return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
        }""",
        [json.loads(json.dumps(state)), match],
    )
    h, w = page.evaluate("() => [window.view.ctx.canvas.height, window.view.ctx.canvas.width]")
    return np.array(data, dtype=np.uint8).reshape(h, w, 4)[:, :, :3]
