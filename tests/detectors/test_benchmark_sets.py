"""The accuracy benchmark's sets: a template from elsewhere becomes a usable reference."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from detectors import load_profile
from detectors.benchmarks.build_references import HALO_MEDAL, TEMPLATES
from detectors.benchmarks.sets import FOLDS, profile_for


def test_a_template_from_elsewhere_is_pasted_where_its_box_says(tmp_path):
    data, folder = tmp_path / "data", tmp_path / "refs"
    data.mkdir()
    folder.mkdir()
    medal = np.zeros((40, 40, 3), np.uint8)
    cv2.circle(medal, (20, 20), 15, (200, 80, 40), -1)
    cv2.circle(medal, (20, 20), 6, (255, 255, 255), -1)
    cv2.imwrite(str(data / HALO_MEDAL), medal)
    name = "halo_double_kill_medal.png"
    spec = profile_for("Halo Infinite", (name,), data=data, folder=folder)
    profile = load_profile(spec)
    (indicator,) = profile.indicators
    assert indicator.reference_size == (1920, 1080)
    x, y, w, h = indicator.box
    kx, ky, _kw, _kh = TEMPLATES[name].keep
    # The box's pixels are the template's, at its place on the black screenshot.
    box = cv2.imread(str(folder / name), cv2.IMREAD_GRAYSCALE)[y : y + h, x : x + w]
    inner = cv2.cvtColor(medal, cv2.COLOR_BGR2GRAY)[y - ky : y - ky + h, x - kx : x - kx + w]
    assert np.abs(box.astype(int) - inner).max() <= 1 and box.std() > 10
    with pytest.raises(ValueError, match="DATA_DIR"):
        profile_for("Halo Infinite", (name,))
    # Scored against the kills a multi-kill medal marks, never the clip's own cut references.
    (fold,) = [f for f in FOLDS if name in f.references]
    assert fold.labels == "halo_infinite_multikills.labels.json"


def test_every_variant_of_a_clip_is_made_at_its_size(tmp_path):
    # The altered copies of python -m detectors.benchmarks.variants, made from a generated clip
    # (the benchmark's own input is the real footage outside the repo).
    from detectors.benchmarks.variants import VARIANTS, _variant
    from detectors.probe import read_frame
    from detectors.synth import frame_times, write_video

    src = tmp_path / "src.mp4"
    write_video(
        src, frame_times(0.5, 30, False), (640, 360), lambda t: np.full((360, 640, 3), 90, np.uint8)
    )
    out = tmp_path / "out"
    out.mkdir()
    sizes = {}
    for name in VARIANTS:
        frame = read_frame(_variant(src, name, out), 0.0)
        sizes[name] = (frame.shape[1], frame.shape[0])
    assert sizes == {
        "original": (640, 360),
        "720p": (1280, 720),
        "1440p": (2560, 1440),
        "inset 75 %": (640, 360),
        "21:9 pillarbox": (852, 360),
        "16:10 letterbox": (640, 400),
        "CRF 38": (640, 360),
    }
