import json
from pathlib import Path

import numpy as np

from tournaments.arena.profile import PROFILE_DIR, png_bytes, profile_dict, reference_frame


def _read_png(path: Path) -> np.ndarray:
    import cv2  # the test may use OpenCV; the arena package does not

    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def test_the_shipped_profile_is_the_one_the_code_describes() -> None:
    shipped = json.loads((PROFILE_DIR / "arena.json").read_text())
    assert shipped == profile_dict()
    assert shipped["events"]["kill"][0]["reference"] == "p1_wins.png"
    assert shipped["events"]["death"][0]["reference"] == "p2_wins.png"


def test_the_shipped_references_are_what_the_game_renders_now() -> None:
    for winner in ("p1", "p2"):
        shipped = _read_png(PROFILE_DIR / f"{winner}_wins.png")
        assert np.array_equal(shipped, reference_frame(winner))


def test_the_png_writer_round_trips(tmp_path: Path) -> None:
    image = np.random.default_rng(0).integers(0, 256, (9, 13, 3), dtype=np.uint8)
    (tmp_path / "x.png").write_bytes(png_bytes(image))
    assert np.array_equal(_read_png(tmp_path / "x.png"), image)


def test_the_detectors_load_the_profile() -> None:
    from detectors.profile import load_profile

    profile = load_profile(PROFILE_DIR / "arena.json")
    kinds = {ind.kind: ind for ind in profile.indicators}
    assert kinds["kill"].box != kinds["death"].box
    assert kinds["kill"].reference_size == (256, 224)
