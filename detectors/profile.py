"""Game profiles: which on-screen indicators mean a kill or a death, read from one screenshot each.

The JSON form (extend, never break)::

    {"name": "halo5",
     "events": {"kill":  [{"reference": "kill.png",  "box": [42, 580, 220, 32]}],
                "death": [{"reference": "death.png", "box": [676, 870, 292, 38]}]},
     "min_gap_s": 2.0}

Optional per indicator: ``search`` ([x, y, w, h], the region to look in), ``threshold``,
``color`` ("auto", true or false: match the colour too, not only the luma) and ``scale``
([low, high]: the HUD may be drawn this much smaller or larger than the reference's, relative
to the video's height; [1, 1] turns the scale and position search off).
Optional at the top: ``sample_fps`` (how many frames per second detection looks at).
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from detectors import refcache
from detectors.agreement import own_pixels, same_size
from detectors.events import KINDS

DEFAULT_MIN_GAP_S = 2.0
DEFAULT_THRESHOLD = 0.7
DEFAULT_SAMPLE_FPS = 8.0
DEFAULT_COLOR = "auto"
# HUD-scale settings and stream insets shrink or grow a HUD by up to about this much.
DEFAULT_SCALE = (0.6, 1.4)
SCALE_LIMITS = (0.2, 5.0)
READ_THREADS = 4  # references decoded at once


class ProfileError(ValueError):
    """A profile that cannot be used; the message is one line naming the problem."""


@dataclass(frozen=True)
class Indicator:
    """One on-screen sign of an event, cut from a reference screenshot.

    Attributes:
        kind: The event it signals (``"kill"`` or ``"death"``).
        reference: The reference screenshot's path as written in the profile.
        box: [x, y, w, h] of the indicator in the reference's pixels.
        search: [x, y, w, h] of the region to look in, or None for the default margin.
        threshold: Match score (normalised correlation) above which the indicator counts as shown.
        image: The reference screenshot in grayscale (not part of the JSON form).
        color: "auto" (decide from the reference: see ``detectors.colour``), True or False.
        scale: (low, high) factors on the reference's size (after scaling it to the video's
            height) that detection searches once per video for the HUD's actual size.
        image_bgr: The reference screenshot in colour (not part of the JSON form).
        own: Where other references of the same indicator agree with this one: a bool mask of
            the box, the indicator's own pixels (see ``detectors.agreement``), or None.
    """

    kind: str
    reference: str
    box: tuple[int, int, int, int]
    search: tuple[int, int, int, int] | None
    threshold: float
    image: np.ndarray
    color: bool | str = DEFAULT_COLOR
    scale: tuple[float, float] = DEFAULT_SCALE
    image_bgr: np.ndarray | None = None
    own: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def reference_size(self) -> tuple[int, int]:
        """(width, height) of the reference screenshot."""
        return int(self.image.shape[1]), int(self.image.shape[0])

    @property
    def box_share(self) -> float:
        """The share of the reference screenshot's area the box covers (0-1)."""
        ref_w, ref_h = self.reference_size
        return self.box[2] * self.box[3] / (ref_w * ref_h)

    def to_dict(self) -> dict[str, Any]:
        """The indicator's JSON form."""
        data: dict[str, Any] = {"reference": self.reference, "box": list(self.box)}
        if self.search is not None:
            data["search"] = list(self.search)
        if self.threshold != DEFAULT_THRESHOLD:
            data["threshold"] = self.threshold
        if self.color != DEFAULT_COLOR:
            data["color"] = self.color
        if self.scale != DEFAULT_SCALE:
            data["scale"] = list(self.scale)
        return data


@dataclass(frozen=True)
class Profile:
    """A validated game profile; build it with :func:`load_profile`.

    Attributes:
        name: The game's name.
        indicators: Every indicator of every kind, kills first.
        min_gap_s: Debounce: two events of one kind closer than this are one, unless the
            indicator clearly went away in between or a second entry stacked under the first.
        sample_fps: Frames per second the detector looks at.
        version_hash: sha256 hex of the canonical JSON plus the bytes of every reference image.
    """

    name: str
    indicators: tuple[Indicator, ...]
    min_gap_s: float
    sample_fps: float
    version_hash: str

    def to_dict(self) -> dict[str, Any]:
        """The profile's JSON form (references as written in the source)."""
        events: dict[str, list[dict[str, Any]]] = {}
        for ind in self.indicators:
            events.setdefault(ind.kind, []).append(ind.to_dict())
        data: dict[str, Any] = {"name": self.name, "events": events, "min_gap_s": self.min_gap_s}
        if self.sample_fps != DEFAULT_SAMPLE_FPS:
            data["sample_fps"] = self.sample_fps
        return data


def load_profile(source: str | Path | dict[str, Any], base_dir: Path | None = None) -> Profile:
    """Reads and validates a profile.

    Args:
        source: A path to the profile's JSON file, or its already-parsed dict.
        base_dir: Where relative ``reference`` paths are resolved; defaults to the JSON file's
            folder (or the working directory for a dict). Absolute references are used as they are.

    Returns:
        The validated Profile.

    Raises:
        ProfileError: one line naming the problem (unreadable file, malformed JSON and which
            field, unknown kind, missing or unreadable reference, box outside the image).
    """
    if isinstance(source, dict):
        data: Any = source
        base = Path(base_dir) if base_dir is not None else Path.cwd()
    else:
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ProfileError(f"cannot read profile {path}: {reason}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProfileError(
                f"profile {path.name} is not valid JSON: {exc.msg} at line {exc.lineno} "
                f"column {exc.colno}"
            ) from exc
        base = Path(base_dir) if base_dir is not None else path.parent
    return _build(data, base)


def _build(data: Any, base: Path) -> Profile:
    if not isinstance(data, dict):
        raise ProfileError("profile must be a JSON object")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ProfileError("profile field 'name' must be a non-empty string")
    min_gap = _number(data.get("min_gap_s", DEFAULT_MIN_GAP_S), "min_gap_s", low=0.0)
    sample_fps = _number(data.get("sample_fps", DEFAULT_SAMPLE_FPS), "sample_fps", low=0.1)
    events = data.get("events")
    if not isinstance(events, dict) or not events:
        raise ProfileError("profile field 'events' must be an object like {\"kill\": [...]}")
    kinds = sorted(events, key=lambda k: (KINDS.index(k) if k in KINDS else 99, k))
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        images = _start_reading(events, kinds, base, pool)
        indicators: list[Indicator] = []
        for kind in kinds:
            if kind not in KINDS:
                raise ProfileError(
                    f"profile field 'events' has unknown kind {kind!r} (expected kill or death)"
                )
            items = events[kind]
            if not isinstance(items, list) or not items:
                raise ProfileError(f"profile field 'events.{kind}' must be a non-empty list")
            for i, item in enumerate(items):
                indicators.append(_indicator(kind, i, item, base, images))
    return Profile(
        name=name,
        indicators=_with_own_pixels(indicators),
        min_gap_s=min_gap,
        sample_fps=sample_fps,
        version_hash=_hash(data, images),
    )


def _with_own_pixels(indicators: list[Indicator]) -> tuple[Indicator, ...]:
    """Each indicator with the pixels the profile's other references of it agree on."""
    out = []
    for ind in indicators:
        bx, by, bw, bh = ind.box
        crop = ind.image[by : by + bh, bx : bx + bw]
        others = [
            cv2.resize(o.image[oy : oy + oh, ox : ox + ow], (bw, bh), interpolation=cv2.INTER_AREA)
            for o in indicators
            if o is not ind and o.kind == ind.kind
            for ox, oy, ow, oh in [o.box]
            if same_size(ind.box, ind.reference_size[1], o.box, o.reference_size[1])
        ]
        # The same screenshot twice tells nothing of what is scene: it would agree everywhere.
        others = [o for o in others if not np.array_equal(o, crop)]
        own = own_pixels(crop, others) if others else None
        out.append(ind if own is None else replace(ind, own=own))
    return tuple(out)


def _indicator(
    kind: str,
    i: int,
    item: Any,
    base: Path,
    images: dict[Path, Future[tuple[np.ndarray, str, np.ndarray]]],
) -> Indicator:
    where = f"events.{kind}[{i}]"
    if not isinstance(item, dict):
        raise ProfileError(f"profile field '{where}' must be an object")
    ref = item.get("reference")
    if not isinstance(ref, str) or not ref:
        raise ProfileError(f"profile field '{where}.reference' must be an image path")
    ref_path = _reference_path(ref, base)
    image, _digest, image_bgr = images[ref_path].result()  # (raises the reading's ProfileError)
    height, width = image.shape[:2]
    box = _rect(item.get("box"), f"{where}.box", width, height, ref)
    search = None
    if item.get("search") is not None:
        search = _rect(item["search"], f"{where}.search", width, height, ref)
        sx, sy, sw, sh = search
        if box[2] > sw or box[3] > sh:
            raise ProfileError(f"profile field '{where}.search' is smaller than its box")
    threshold = _number(item.get("threshold", DEFAULT_THRESHOLD), f"{where}.threshold", 0.0, 1.0)
    color = item.get("color", DEFAULT_COLOR)
    if color not in ("auto", True, False):
        raise ProfileError(f"profile field '{where}.color' must be \"auto\", true or false")
    scale = _scale(item.get("scale", list(DEFAULT_SCALE)), f"{where}.scale")
    return Indicator(kind, ref, box, search, threshold, image, color, scale, image_bgr)


def _scale(value: Any, where: str) -> tuple[float, float]:
    low_limit, high_limit = SCALE_LIMITS
    ok = (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    )
    if not ok or not low_limit <= value[0] <= value[1] <= high_limit:
        raise ProfileError(
            f"profile field '{where}' must be [low, high] with {low_limit} <= low <= high <= "
            f"{high_limit}, got {value!r}"
        )
    return float(value[0]), float(value[1])


def _reference_path(ref: str, base: Path) -> Path:
    return Path(ref) if Path(ref).is_absolute() else base / ref


def _start_reading(
    events: dict[str, Any], kinds: list[str], base: Path, pool: ThreadPoolExecutor
) -> dict[Path, Future[tuple[np.ndarray, str, np.ndarray]]]:
    """Starts decoding every reference the profile names, each once and side by side.

    A 1080p screenshot takes 25-60 ms to decode as PNG (OpenCV lets go of the GIL meanwhile): a
    profile's fixed cost that a short clip's detection feels, hence also the decoded pixels
    kept on disk (:mod:`detectors.refcache`). A failure is raised where the
    first indicator naming the reference asks for it, so errors come in the same order as before.
    """
    images: dict[Path, Future[tuple[np.ndarray, str, np.ndarray]]] = {}
    for kind in kinds:
        items = events[kind] if kind in KINDS and isinstance(events[kind], list) else []
        for i, item in enumerate(items):
            ref = item.get("reference") if isinstance(item, dict) else None
            if isinstance(ref, str) and ref:
                path = _reference_path(ref, base)
                if path not in images:
                    images[path] = pool.submit(_read_image, path, f"events.{kind}[{i}]")
    return images


def _read_image(path: Path, where: str) -> tuple[np.ndarray, str, np.ndarray]:
    """(gray, SHA-256 of the file's bytes, BGR); decoded pixels are kept in detectors.refcache."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProfileError(
            f"profile field '{where}.reference': cannot read {path} ({exc.strerror})"
        ) from exc
    digest = hashlib.sha256(raw).hexdigest()
    # A JPEG's pixels may differ from one decoder's version to the next: the key names it.
    key = f"{digest}-opencv{cv2.__version__}"
    kept = refcache.get(key)
    if kept is not None:
        return kept[0], digest, kept[1]
    bgr = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ProfileError(f"profile field '{where}.reference': {path} is not a readable image")
    # Same grey as IMREAD_GRAYSCALE gave before (BT.601 weights), so matching on luma is unchanged.
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    refcache.put(key, gray, bgr)
    return gray, digest, bgr


def _rect(value: Any, where: str, width: int, height: int, ref: str) -> tuple[int, int, int, int]:
    if (
        not isinstance(value, list | tuple)
        or len(value) != 4
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise ProfileError(f"profile field '{where}' must be four integers [x, y, w, h]")
    x, y, w, h = value
    if w <= 0 or h <= 0:
        raise ProfileError(f"profile field '{where}' must have a positive width and height")
    if x < 0 or y < 0 or x + w > width or y + h > height:
        raise ProfileError(
            f"profile field '{where}' {list(value)} lies outside the image {ref} ({width}x{height})"
        )
    return int(x), int(y), int(w), int(h)


def _number(value: Any, where: str, low: float | None = None, high: float | None = None) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or (low is not None and value < low) or (high is not None and value > high):
        bounds = f" within [{low}, {high}]" if high is not None else f" >= {low}"
        raise ProfileError(f"profile field '{where}' must be a number{bounds}, got {value!r}")
    return float(value)


def _hash(
    data: dict[str, Any], images: dict[Path, Future[tuple[np.ndarray, str, np.ndarray]]]
) -> str:
    # Canonical JSON (sorted keys, no spaces) so formatting changes do not make a new version,
    # plus the reference bytes in a stable order so editing a screenshot does.
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode())
    for path in sorted(images, key=str):
        digest.update(bytes.fromhex(images[path].result()[1]))
    return digest.hexdigest()
