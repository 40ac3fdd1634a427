"""Decoded reference screenshots are kept on disk by the hash of their bytes
(``detectors.refcache``), and a broken or missing entry only means decoding again."""

from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors import refcache
from detectors.profile import load_profile


def _screenshot(path: Path, text: str) -> np.ndarray:
    image = np.zeros((108, 192, 3), np.uint8)
    image[:, :, 2] = 40
    cv2.putText(image, text, (20, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
    cv2.imwrite(str(path), image)
    return cv2.imread(str(path), cv2.IMREAD_COLOR)


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    folder = tmp_path / "profile"
    folder.mkdir()
    _screenshot(folder / "kill.png", "KILL")
    spec = {"name": "g", "events": {"kill": [{"reference": "kill.png", "box": [10, 30, 100, 40]}]}}
    path = folder / "profile.json"
    path.write_text(json.dumps(spec))
    return path


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(refcache.ENV, str(where))
    return where


def _entries(where: Path) -> list[Path]:
    return sorted(where.glob("*.npy")) if where.is_dir() else []


def test_a_second_load_reads_the_kept_pixels(profile: Path, cache: Path) -> None:
    first = load_profile(profile)
    decoded = cv2.imread(str(profile.parent / "kill.png"), cv2.IMREAD_COLOR)
    assert np.array_equal(first.indicators[0].image_bgr, decoded)
    entries = _entries(cache)
    assert [p.name.rsplit(".", 2)[1] for p in entries] == ["bgr", "gray"]
    # Plant other pixels in the entry: the next load must return them, not decode the file.
    planted = np.full_like(decoded, 77)
    np.save(next(p for p in entries if ".bgr." in p.name), planted)
    np.save(next(p for p in entries if ".gray." in p.name), planted[..., 0])
    second = load_profile(profile)
    assert np.array_equal(second.indicators[0].image_bgr, planted)
    assert np.array_equal(second.indicators[0].image, planted[..., 0])
    assert second.version_hash == first.version_hash


def test_the_version_hash_is_the_same_with_the_cache_off(
    profile: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = load_profile(profile)
    monkeypatch.setenv(refcache.ENV, "")
    assert refcache.folder() is None
    plain = load_profile(profile)
    assert plain.version_hash == kept.version_hash
    assert np.array_equal(plain.indicators[0].image, kept.indicators[0].image)


def test_the_cache_off_writes_nothing(
    profile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(refcache.ENV, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_profile(profile)
    assert not (tmp_path / "xdg").exists()


def test_without_the_variable_the_users_cache_folder_is_used(
    profile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(refcache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_profile(profile)
    assert len(_entries(tmp_path / "xdg" / "filmroom" / "references")) == 2


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[:100]), id="cut short"),
        pytest.param(lambda p: p.write_bytes(b"not an array"), id="not an array file"),
        pytest.param(lambda p: np.save(p, np.zeros((3, 3), np.float32)), id="wrong type"),
        pytest.param(lambda p: np.save(p, np.zeros((5, 7), np.uint8)), id="wrong shape"),
        pytest.param(lambda p: p.unlink(), id="half gone"),
    ],
)
def test_a_broken_entry_is_decoded_again_and_replaced(profile: Path, cache: Path, damage) -> None:
    load_profile(profile)
    gray_entry = next(p for p in _entries(cache) if ".gray." in p.name)
    damage(gray_entry)
    again = load_profile(profile)
    decoded = cv2.imread(str(profile.parent / "kill.png"), cv2.IMREAD_COLOR)
    assert np.array_equal(again.indicators[0].image_bgr, decoded)
    assert np.array_equal(again.indicators[0].image, cv2.cvtColor(decoded, cv2.COLOR_BGR2GRAY))
    # Written whole again.
    assert np.array_equal(np.load(gray_entry), again.indicators[0].image)


def test_an_edited_screenshot_is_a_new_entry(profile: Path, cache: Path) -> None:
    load_profile(profile)
    edited = _screenshot(profile.parent / "kill.png", "DEAD")
    again = load_profile(profile)
    assert np.array_equal(again.indicators[0].image_bgr, edited)
    assert len(_entries(cache)) == 4


def test_a_folder_that_cannot_be_written_only_means_decoding(
    profile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(refcache.ENV, str(blocker / "cache"))
    loaded = load_profile(profile)
    decoded = cv2.imread(str(profile.parent / "kill.png"), cv2.IMREAD_COLOR)
    assert np.array_equal(loaded.indicators[0].image_bgr, decoded)
    assert not list(tmp_path.glob(".part-*")) and blocker.read_text() == "not a folder"


def test_the_least_recently_used_entries_go_first(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pixels = np.zeros((100, 100, 3), np.uint8)
    for n, key in enumerate(["a", "b", "c"]):
        refcache.put(key, pixels[..., 0], pixels)
        for p in cache.glob(f"{key}.*"):
            os.utime(p, (1_000_000 + n, 1_000_000 + n))
    assert refcache.get("a") is not None  # used now: the newest
    one_entry = sum(p.stat().st_size for p in cache.glob("a.*"))
    monkeypatch.setattr(refcache, "KEPT_BYTES", 2 * one_entry)
    refcache.put("d", pixels[..., 0], pixels)
    assert {p.name.split(".")[0] for p in _entries(cache)} == {"a", "d"}
    assert refcache.get("b") is None and refcache.get("c") is None
