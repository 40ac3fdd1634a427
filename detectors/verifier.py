"""A learned verifier: a tiny CNN that decides which template-matching candidates are events.

Template matching proposes candidates at a lower threshold than the profile's (so it misses
less); the verifier, trained on crops of events a coach confirmed and rejected, keeps the real
ones (so it reports fewer look-alikes). One network per profile: shared convolutions over a
32 x 96 luma crop of the matched box and one output per indicator.

Weights are stored with ``safetensors`` (tensors plus string metadata) and read back only after
every key and shape was checked: nothing is unpickled, and a file made for another profile or
another network says so in one line (:class:`VerifierError`).

Evaluation is per event, on held-out corrections: *before* counts an event as detected when its
best match reaches the indicator's threshold (template matching alone); *after* when a match
reaches the candidate threshold and the verifier keeps its crop.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

from detectors.matching import Match, Matcher
from detectors.profile import Indicator, Profile

FORMAT = "filmroom-verifier"
FORMAT_VERSION = "1"
# The network's input: the crop of the matched box, resized to this.
INPUT_H, INPUT_W = 32, 96
# Context around the matched box, as a fraction of its height on every side: detection's scale
# search can settle up to ~15 % small (a kill-feed box fits its text better than its outline),
# and the thin outline that tells your line from a look-alike then lies just outside the box.
# Stored with the weights as ``context``; detect() grows the box by it (Verifier.context).
PAD = 0.25
# keep() reuses the decision on a crop whose REUSE_SIZE thumbnail is on average within
# REUSE_DIFF grey levels of one of the last REUSE_KEEP decided (the same line, one sample later;
# "everywhere within 4" failed on capture noise alone: 105 of 111 crops went to the network on
# the verifier benchmark's test3, 19 now; tests/detectors/test_verifier.py checks that a rival's
# line right after yours still gets its own decision).
REUSE_SIZE = (24, 8)
REUSE_DIFF = 3
REUSE_KEEP = 4
# ...comparing the box and this fraction of its height around it (not the whole context).
REUSE_CONTEXT = 0.1
# Candidates are proposed this far under the indicator's own threshold (never under FLOOR).
CANDIDATE_MARGIN = 0.15
CANDIDATE_FLOOR = 0.3


class VerifierError(ValueError):
    """A verifier file or training set that cannot be used; the message is one line."""


def indicator_key(indicator: Indicator) -> str:
    """A name for an indicator that survives a threshold change (kind, reference, box)."""
    return f"{indicator.kind} {indicator.reference} {list(indicator.box)}"


def candidate_threshold_for(indicator: Indicator) -> float:
    """The lower threshold at which matching proposes candidates for the verifier."""
    return max(CANDIDATE_FLOOR, indicator.threshold - CANDIDATE_MARGIN)


def match_box(matcher: Matcher, match: Match) -> tuple[int, int, int, int]:
    """The matched template's box (x, y, w, h) in video pixels.

    ``Match.x, y`` is the template's top-left corner in the downscaled search region.
    """
    return matcher.box_of(match)


def crop_luma(luma: np.ndarray, box: tuple[int, int, int, int], context: float = PAD) -> np.ndarray:
    """The box with ``context`` of its height around it (clipped to the frame), as a uint8 copy:
    the crop detect() hands ``Verifier.keep`` for that box."""
    x, y, w, h = box
    pad = int(round(h * context))
    height, width = luma.shape[:2]
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(width, x + w + pad), min(height, y + h + pad)
    return np.ascontiguousarray(luma[y0:y1, x0:x1])


def _inner(crop: np.ndarray, context: float) -> np.ndarray:
    """The middle of a crop cut with ``context`` (see crop_luma): the box and REUSE_CONTEXT of
    its height around it."""
    height, width = crop.shape[:2]
    box_h = height / (1 + 2 * context)
    cut = int(max(0.0, context - REUSE_CONTEXT) * box_h)
    if cut == 0 or height <= 2 * cut or width <= 2 * cut:
        return crop
    return crop[cut : height - cut, cut : width - cut]


def normalise(crop: np.ndarray) -> np.ndarray:
    """Resized to the input size, zero mean and unit spread: brightness and contrast drop out."""
    small = cv2.resize(crop, (INPUT_W, INPUT_H), interpolation=cv2.INTER_AREA).astype(np.float32)
    return (small - small.mean()) / (small.std() + 8.0)


class Net(nn.Module):
    """Three strided 3x3 convolutions (8, 16, 32 channels, each halving the size) and one linear
    head per indicator: ~7 k parameters for one indicator, ~0.1 ms per crop on one thread."""

    def __init__(self, heads: int) -> None:
        super().__init__()
        # Strided convolutions rather than pooling: half the time per crop on one thread.
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1),
            nn.ReLU(),
        )
        self.head = nn.Linear(32 * (INPUT_H // 8) * (INPUT_W // 8), heads)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).flatten(1))


class Verifier:
    """A trained network and the indicators it decides for (``detect(..., verifier=)``).

    Args:
        net: The network (its head count equals the number of indicators).
        indicators: ``indicator_key`` -> candidate threshold, in head order.
        meta: Free-form facts stored with the weights (profile hash, metrics).
        context: Context around the matched box its crops had in training (see PAD).
    """

    def __init__(
        self,
        net: Net,
        indicators: dict[str, float],
        meta: dict | None = None,
        context: float = PAD,
    ) -> None:
        self.net = net.eval()
        # detect() cuts the crops it hands keep() with this much context: the training crops'.
        self.context = context
        # One crop at a time is too small to share between threads: extra ones only add
        # synchronisation (and detection already decodes on two).
        torch.set_num_threads(1)
        self.indicators = dict(indicators)
        self.heads = {key: i for i, key in enumerate(self.indicators)}
        self.meta = dict(meta or {})
        self._recent: dict[int, list[tuple[np.ndarray, bool]]] = {}

    def candidate_threshold(self, indicator: Indicator) -> float | None:
        """The threshold to propose candidates at, or None when this indicator is not verified."""
        return self.indicators.get(indicator_key(indicator))

    def probabilities(self, head: int | Sequence[int], crops: Sequence[np.ndarray]) -> np.ndarray:
        """P(real event) for each crop (uint8 luma, any size), in one batch."""
        if not crops:
            return np.zeros(0, np.float32)
        heads = [head] * len(crops) if isinstance(head, int) else list(head)
        batch = torch.from_numpy(np.stack([normalise(c) for c in crops])[:, None])
        with torch.inference_mode():
            logits = self.net(batch)
        picked = logits[torch.arange(len(crops)), torch.tensor(heads)]
        return torch.sigmoid(picked).numpy()

    def keep(self, indicator: Indicator, crop_luma: np.ndarray) -> bool:
        """Whether the candidate at this crop is a real event."""
        head = self.heads.get(indicator_key(indicator))
        if head is None:
            return True
        # An indicator stays on screen for many samples and barely changes: a crop whose box
        # (almost) equals one just decided gets the same answer without the network. The box
        # with a little of its context (where an outline lies when the box is a little small),
        # not all of it: the context shows the scene, which moves under a HUD line.
        inner = _inner(crop_luma, self.context)
        thumb = cv2.resize(inner, REUSE_SIZE, interpolation=cv2.INTER_AREA).astype(np.int16)
        recent = self._recent.setdefault(head, [])
        for seen, decision in recent:
            if float(np.abs(seen - thumb).mean()) <= REUSE_DIFF:
                return decision
        # No batching overhead, and a logit of 0 is a probability of 0.5.
        x = torch.from_numpy(normalise(crop_luma)).view(1, 1, INPUT_H, INPUT_W)
        with torch.inference_mode():
            decision = bool(self.net(x)[0, head] >= 0)
        recent.insert(0, (thumb, decision))
        del recent[REUSE_KEEP:]
        return decision

    def save(self, path: str | Path) -> None:
        """Writes the weights and metadata as safetensors (atomically: temp file, then rename)."""
        path = Path(path)
        tmp = path.with_name(path.name + ".part")
        tensors = {k: v.detach().contiguous() for k, v in self.net.state_dict().items()}
        metadata = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "input": f"{INPUT_H}x{INPUT_W}",
            "context": repr(self.context),
            "indicators": json.dumps(self.indicators),
            "meta": json.dumps(self.meta),
        }
        save_file(tensors, str(tmp), metadata=metadata)
        os.replace(tmp, path)


def load_verifier(path: str | Path, profile: Profile | None = None) -> Verifier:
    """Reads a verifier written by :meth:`Verifier.save`, checking every key and shape.

    Args:
        path: The ``.safetensors`` file.
        profile: When given, every indicator the file names must be one of the profile's.

    Raises:
        VerifierError: unreadable file, not a verifier, other input size, missing or extra
            tensors, a tensor of the wrong shape, or indicators the profile does not have.
    """
    path = Path(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (not a dict)
    except (SafetensorError, OSError, ValueError) as exc:
        raise VerifierError(f"cannot read verifier {path.name}: {exc}") from exc
    if metadata.get("format") != FORMAT:
        raise VerifierError(f"{path.name} is not a Film Room verifier (no '{FORMAT}' metadata)")
    if metadata.get("input") != f"{INPUT_H}x{INPUT_W}":
        raise VerifierError(
            f"{path.name} takes {metadata.get('input')} crops, not {INPUT_H}x{INPUT_W}"
        )
    try:
        indicators = json.loads(metadata.get("indicators", ""))
        meta = json.loads(metadata.get("meta", "{}"))
    except json.JSONDecodeError as exc:
        raise VerifierError(f"{path.name} has broken metadata: {exc.msg}") from exc
    if not isinstance(indicators, dict) or not indicators:
        raise VerifierError(f"{path.name} names no indicators")
    net = Net(len(indicators))
    expected = net.state_dict()
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        what = f"missing {', '.join(missing)}" if missing else f"unexpected {', '.join(extra)}"
        raise VerifierError(f"{path.name} does not fit the verifier network: {what}")
    for key, want in expected.items():
        got = tensors[key]
        if tuple(got.shape) != tuple(want.shape) or got.dtype != want.dtype:
            raise VerifierError(
                f"{path.name} does not fit the verifier network: {key} is "
                f"{list(got.shape)} {got.dtype}, expected {list(want.shape)} {want.dtype}"
            )
    net.load_state_dict(tensors)
    if profile is not None:
        known = {indicator_key(i) for i in profile.indicators}
        unknown = [k for k in indicators if k not in known]
        if unknown:
            raise VerifierError(f"{path.name} was trained for another profile ({unknown[0]})")
    try:
        # Files written before the context was stored were trained on the box itself.
        context = float(metadata.get("context", "0"))
    except ValueError as exc:
        raise VerifierError(f"{path.name} has broken metadata: context {exc}") from exc
    if not 0.0 <= context <= 1.0:
        raise VerifierError(f"{path.name} has broken metadata: context {context} not in [0, 1]")
    return Verifier(net, {k: float(v) for k, v in indicators.items()}, meta, context)
