"""Every way a profile can be wrong gives a ProfileError whose one line names the problem."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.profile import ProfileError, load_profile


@pytest.fixture
def ref_dir(tmp_path: Path) -> Path:
    image = np.zeros((108, 192, 3), np.uint8)
    cv2.putText(image, "KILL", (20, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
    cv2.imwrite(str(tmp_path / "kill.png"), image)
    return tmp_path


def _good() -> dict:
    return {"name": "g", "events": {"kill": [{"reference": "kill.png", "box": [10, 30, 100, 40]}]}}


def _write(folder: Path, data: object) -> Path:
    path = folder / "profile.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def _edit(change) -> dict:
    data = _good()
    change(data)
    return data


CASES = [
    (
        "missing reference",
        _edit(lambda d: d["events"]["kill"][0].update(reference="nope.png")),
        r"events\.kill\[0\]\.reference': cannot read .*nope\.png",
    ),
    (
        "box outside the image",
        _edit(lambda d: d["events"]["kill"][0].update(box=[150, 30, 100, 40])),
        r"\.box' \[150, 30, 100, 40\] lies outside the image kill\.png \(192x108\)",
    ),
    (
        "unknown kind",
        _edit(lambda d: d["events"].update(assist=d["events"]["kill"])),
        r"unknown kind 'assist'",
    ),
    (
        "box not four integers",
        _edit(lambda d: d["events"]["kill"][0].update(box=[1, 2, 3])),
        r"'events\.kill\[0\]\.box' must be four integers",
    ),
    (
        "threshold out of range",
        _edit(lambda d: d["events"]["kill"][0].update(threshold=3)),
        r"'events\.kill\[0\]\.threshold' must be a number within \[0\.0, 1\.0\]",
    ),
    (
        "search outside",
        _edit(lambda d: d["events"]["kill"][0].update(search=[0, 0, 500, 50])),
        r"'events\.kill\[0\]\.search' .* lies outside the image",
    ),
    ("no name", _edit(lambda d: d.pop("name")), r"field 'name' must be a non-empty string"),
    ("events not an object", _edit(lambda d: d.update(events=[1])), r"field 'events' must be"),
    (
        "empty kind list",
        _edit(lambda d: d["events"].update(kill=[])),
        r"'events\.kill' must be a non-empty list",
    ),
    ("bad min_gap_s", _edit(lambda d: d.update(min_gap_s="2")), r"'min_gap_s' must be a number"),
    (
        "malformed JSON",
        '{"name": "g", "events": {',
        r"profile profile\.json is not valid JSON: .* line 1",
    ),
    ("not an object", "[1, 2]", r"profile must be a JSON object"),
]


@pytest.mark.parametrize(("case", "data", "message"), CASES, ids=[c[0] for c in CASES])
def test_it_rejects_a_bad_profile_with_a_clear_message(ref_dir, case, data, message):
    with pytest.raises(ProfileError, match=message) as info:
        load_profile(_write(ref_dir, data))
    assert "\n" not in str(info.value)


def test_it_rejects_a_reference_that_is_not_an_image(ref_dir):
    (ref_dir / "kill.png").write_text("not a png")
    with pytest.raises(ProfileError, match=r"kill\.png is not a readable image"):
        load_profile(_write(ref_dir, _good()))


def test_it_rejects_a_missing_profile_file(tmp_path):
    with pytest.raises(ProfileError, match=r"cannot read profile .*absent\.json"):
        load_profile(tmp_path / "absent.json")


def test_it_accepts_a_good_profile_and_round_trips_its_json(ref_dir):
    profile = load_profile(_write(ref_dir, _good()))
    assert profile.name == "g" and profile.min_gap_s == 2.0
    assert [i.kind for i in profile.indicators] == ["kill"]
    assert profile.to_dict() == {**_good(), "min_gap_s": 2.0}
    again = load_profile(profile.to_dict(), base_dir=ref_dir)
    assert again.version_hash == load_profile({**_good(), "min_gap_s": 2.0}, ref_dir).version_hash


def test_it_accepts_an_absolute_reference_path(ref_dir, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    data = _edit(lambda d: d["events"]["kill"][0].update(reference=str(ref_dir / "kill.png")))
    profile = load_profile(_write(elsewhere, data))
    assert profile.indicators[0].reference_size == (192, 108)


def test_its_version_changes_with_the_json_or_the_reference_bytes(ref_dir):
    base = load_profile(_good(), ref_dir).version_hash
    assert load_profile(_good(), ref_dir).version_hash == base
    moved = _edit(lambda d: d["events"]["kill"][0].update(box=[11, 30, 100, 40]))
    assert load_profile(moved, ref_dir).version_hash != base
    copy = ref_dir / "copy"
    copy.mkdir()
    shutil.copy(ref_dir / "kill.png", copy / "kill.png")
    assert load_profile(_good(), copy).version_hash == base  # same bytes, same version
    image = cv2.imread(str(copy / "kill.png"))
    image[0, 0] = (1, 2, 3)
    cv2.imwrite(str(copy / "kill.png"), image)
    assert load_profile(_good(), copy).version_hash != base


def test_a_flat_colour_box_is_rejected_when_matching(ref_dir):
    from detectors.matching import Matcher

    data = _edit(lambda d: d["events"]["kill"][0].update(box=[150, 80, 30, 20]))
    profile = load_profile(data, ref_dir)
    with pytest.raises(ProfileError, match="is a flat colour"):
        Matcher(profile.indicators[0], (1920, 1080))


def test_references_are_decoded_side_by_side_and_errors_keep_their_order(
    ref_dir: Path, monkeypatch
):
    import threading

    from detectors import profile as profile_module

    shutil.copy(ref_dir / "kill.png", ref_dir / "death.png")
    data = _good()
    data["events"]["death"] = [{"reference": "death.png", "box": [10, 30, 100, 40]}]
    both_reading = threading.Barrier(2, timeout=10)
    read = profile_module._read_image

    def read_when_both_are(path, where):
        both_reading.wait()  # broken (an error) if the second starts only after the first ends
        return read(path, where)

    monkeypatch.setattr(profile_module, "_read_image", read_when_both_are)
    profile = load_profile(_write(ref_dir, data))
    assert [i.kind for i in profile.indicators] == ["kill", "death"]
    assert profile.indicators[1].reference_size == (192, 108)
    monkeypatch.setattr(profile_module, "_read_image", read)
    # The first indicator's error is the one reported, whichever reading ends first.
    data["events"]["kill"][0]["box"] = [150, 30, 100, 40]
    data["events"]["death"][0]["reference"] = "nope.png"
    with pytest.raises(ProfileError, match=r"events\.kill\[0\]\.box"):
        load_profile(_write(ref_dir, data))


@pytest.mark.parametrize(
    ("box", "refused"),
    [
        ([10, 30, 100, 40], False),  # 19 % of the 192x108 screenshot
        ([0, 0, 96, 108], False),  # half: the most a box may cover
        ([0, 0, 150, 80], True),  # 58 %
        ([0, 0, 192, 108], True),  # the whole screenshot
    ],
)
def test_a_box_over_half_of_the_screenshot_is_refused_naming_it(ref_dir, box, refused):
    from detectors.matching import check_indicators

    data = _edit(lambda d: d["events"]["kill"][0].update(box=box))
    indicators = load_profile(data, ref_dir).indicators
    if not refused:
        check_indicators(indicators)
        return
    share = round(100 * box[2] * box[3] / (192 * 108))
    with pytest.raises(ProfileError) as caught:
        check_indicators(indicators)
    assert str(caught.value) == (
        f"the kill box {box} in kill.png covers {share} % of the screenshot (192x108): a box over"
        " half of it matches the whole scene; draw it around the indicator alone (a kill-feed"
        " line, a banner)"
    )


def test_the_shipped_and_benchmark_profiles_keep_their_boxes_well_under_the_limit():
    """The measurements MAX_BOX_SHARE rests on: the largest known box is 4.5 % of its frame."""
    from detectors.benchmarks.build_references import REFERENCES
    from detectors.matching import MAX_BOX_SHARE, check_indicators

    root = Path(__file__).resolve().parents[2]
    arena = root / "tournaments" / "arena" / "profile" / "arena.json"
    bench = {
        "name": "bench",
        "events": {"kill": [{"reference": r.png, "box": list(r.box)} for r in REFERENCES.values()]},
    }
    profiles = [load_profile(arena), load_profile(bench, root / "detectors" / "benchmarks")]
    indicators = [i for p in profiles for i in p.indicators]
    check_indicators(indicators)
    shares = [i.box[2] * i.box[3] / (i.reference_size[0] * i.reference_size[1]) for i in indicators]
    assert len(shares) == 6 and max(shares) < MAX_BOX_SHARE / 10
