"""The detection profile for rendered arena matches, and the reference frames it points at.

From p1's point of view: a round p1 wins is a ``kill`` ("P1 WINS", blue, left), a round p2
wins is a ``death`` ("P2 WINS", red, right). Regenerate the shipped files with
``python -m tournaments.arena.profile`` after changing the banners.
"""

from __future__ import annotations

import json
import struct
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from .game import Game
from .render import P1_WINS_BOX, P2_WINS_BOX, render_frame

PROFILE_DIR = Path(__file__).with_name("profile")
PROFILE_PATH = PROFILE_DIR / "arena.json"


def reference_frame(winner: str) -> np.ndarray:
    """The 256×224 frame shown right after ``winner`` (``"p1"``/``"p2"``) wins a round by K.O."""
    if winner not in ("p1", "p2"):
        raise ValueError(f'winner must be "p1" or "p2", got {winner!r}')
    game = Game(("kaito", "brick"), seed=0)
    loser = game.p2 if winner == "p1" else game.p1
    loser.health = 0
    game.step(0, 0)  # the round ends on this tick; the banners are up
    return render_frame(game)


def profile_dict() -> dict[str, Any]:
    """The profile in the detectors' JSON form; boxes are in 256×224 reference pixels."""
    return {
        "name": "arena",
        "events": {
            "kill": [{"reference": "p1_wins.png", "box": list(P1_WINS_BOX)}],
            "death": [{"reference": "p2_wins.png", "box": list(P2_WINS_BOX)}],
        },
        "min_gap_s": 2.0,
    }


def png_bytes(image: np.ndarray) -> bytes:
    """Encode an RGB uint8 image as PNG (no imaging library needed)."""
    h, w, _ = image.shape
    raw = b"".join(b"\x00" + image[y].tobytes() for y in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def write_profile(folder: Path = PROFILE_DIR) -> Path:
    """Write arena.json, p1_wins.png and p2_wins.png into ``folder``; return the JSON path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "p1_wins.png").write_bytes(png_bytes(reference_frame("p1")))
    (folder / "p2_wins.png").write_bytes(png_bytes(reference_frame("p2")))
    path = folder / "arena.json"
    path.write_text(json.dumps(profile_dict(), indent=2) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    out = write_profile(Path(sys.argv[1]) if len(sys.argv) > 1 else PROFILE_DIR)
    print(f"wrote {out} and its reference frames")
