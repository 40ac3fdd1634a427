"""Training a learned verifier (see :mod:`detectors.verifier`) from coaches' corrections.

A profile's corrections become examples (:class:`Example`: an event that happened, or a detection
that was wrong); :func:`extract_crops` cuts the crops detection would hand the verifier at each
(detection's own scale search and samples, so training sees what detection sees), plus quiet
background; :func:`train_verifier` trains on some corrections with augmentation (scale,
compression, brightness) and evaluates on the held-out rest, per event, before (template matching
alone) and after (with the verifier). The verifier is used only when it is better
(:attr:`Training.better`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from detectors.detect import CONFIRM_SAMPLES, ScaleLock, held
from detectors.matching import Matcher, uses_color
from detectors.profile import Profile
from detectors.verifier import (
    Net,
    Verifier,
    VerifierError,
    candidate_threshold_for,
    crop_luma,
    indicator_key,
    match_box,
    normalise,
)
from detectors.video import SampledFrame, SampledReader

# A correction's crops: the samples from its frame to this many seconds after: an indicator stays
# on screen a while, and detection asks the verifier on every sample it is shown.
CROP_WINDOW_S = 1.5
# Background negatives come from samples at least QUIET_S after and QUIET_AHEAD_S before every
# known event (an indicator is on screen after its event, not before it).
QUIET_S = 2.5
QUIET_AHEAD_S = 0.5
BACKGROUND_PER_SAMPLE = 3
# Fewer corrections than this and the job does not train (the profile page says how many more).
MIN_EXAMPLES = 20
MIN_PER_CLASS = 4
HELD_OUT = 0.3


# --- training data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One correction: an event that happened (positive) or a detection that was wrong."""

    kind: str
    time_s: float
    positive: bool
    group: str  # one id per correction: the held-out split never separates its crops


@dataclass(frozen=True)
class Crop:
    """The best match of one indicator in one sampled frame near a correction."""

    key: str
    pixels: np.ndarray
    score: float
    positive: bool
    group: str


def locked_samples(
    reader: Iterable[SampledFrame], profile: Profile
) -> Iterator[tuple[SampledFrame, list[Matcher]]]:
    """Each sample with the profile's matchers at the scale and place detection would use on it.

    The same per-video search as :func:`detectors.detect.detect` (the same :class:`Matcher`,
    the same lock rule, :class:`detectors.detect.ScaleLock`), and the same wait
    (:func:`detectors.detect.held`): samples are held back until every indicator is locked
    or searched for, so samples before the lock are cut at
    the locked scale too, as detection matches them. Training crops are therefore the crops the
    verifier is later shown, whatever the HUD scale, aspect ratio or stream inset.
    """
    locks: list[ScaleLock] | None = None
    pending: list[SampledFrame] = []
    for sample in reader:
        if locks is None:
            size = (sample.luma.shape[1], sample.luma.shape[0])
            locks = [ScaleLock(Matcher(ind, size)) for ind in profile.indicators]
        earlier = pending[-CONFIRM_SAMPLES:]
        for lock in locks:
            if not lock.matcher.locked:
                lock.step(sample, lock.matcher.find(sample), earlier=earlier)
        pending.append(sample)
        extra = len(pending) - held(locks)
        if extra > 0:
            matchers = [lock.matcher for lock in locks]
            yield from ((s, matchers) for s in pending[:extra])
            del pending[:extra]
    if locks is not None:
        yield from ((s, [lock.matcher for lock in locks]) for s in pending)


def extract_crops(
    video: str | Path,
    frame_index: np.ndarray,
    profile: Profile,
    examples: Sequence[Example],
    *,
    known_times: Sequence[float] = (),
    tag: str = "",
) -> list[Crop]:
    """Crops for training and evaluation, from one decoding pass over the video.

    For each correction: the best match of every indicator of its kind in the samples from its
    time to CROP_WINDOW_S after it. Besides, *background* negatives: candidates (between the
    candidate threshold and the indicator's own) in samples at least QUIET_S from every
    correction and every ``known_times`` (events the detector found), grouped per QUIET_S
    stretch. Lowering the threshold makes matching propose such places (scene edges, partial
    lines); the verifier must learn to refuse them.

    Matches and crops are detection's: each indicator's scale and place are searched and locked
    as :func:`detectors.detect.detect` does (:func:`locked_samples`), and a crop is the frame's
    full-resolution luma at ``Matcher.box_of`` the match, as detection hands it to
    ``Verifier.keep`` (both resize it to the network's input the same way, ``normalise``).

    Args:
        video: The recording.
        frame_index: Its frame index.
        profile: The profile whose indicators are matched.
        examples: The corrections in this video.
        known_times: Times of other events (not corrected) to keep background crops away from.
        tag: Prefix for background groups (one per video), so groups of two videos never merge.
    """
    if not examples:
        return []
    order = sorted(examples, key=lambda e: e.time_s)
    starts = np.array([e.time_s for e in order])
    busy = np.sort(np.array([*starts, *known_times], dtype=float))
    chroma = any(uses_color(ind) for ind in profile.indicators)
    reader = SampledReader(video, frame_index, profile.sample_fps, chroma=chroma)
    crops: list[Crop] = []
    background: list[Crop] = []
    for sample, matchers in locked_samples(reader, profile):
        t = sample.time_s
        lo = int(np.searchsorted(starts, t - CROP_WINDOW_S - 1e-6))
        hi = int(np.searchsorted(starts, t + 1e-6, side="right"))
        kinds = {e.kind for e in order[lo:hi]}
        near = int(np.searchsorted(busy, t - QUIET_S))
        quiet = near >= len(busy) or busy[near] > t + QUIET_AHEAD_S
        if not kinds and not quiet:
            continue
        for ind, matcher in zip(profile.indicators, matchers, strict=True):
            if ind.kind not in kinds and not quiet:
                continue
            found = matcher.find(sample, -1.0)
            key = indicator_key(ind)
            low = candidate_threshold_for(ind)
            for example in order[lo:hi]:
                if example.kind != ind.kind or not found:
                    continue
                pixels = crop_luma(sample.luma, match_box(matcher, found[0]))
                crops.append(Crop(key, pixels, found[0].score, example.positive, example.group))
                # Weaker candidates beside it (under the indicator's threshold, so not a
                # stacked entry): what a lowered threshold adds around every real one.
                for match in found[1 : 1 + BACKGROUND_PER_SAMPLE]:
                    if low <= match.score < ind.threshold:
                        pixels = crop_luma(sample.luma, match_box(matcher, match))
                        crops.append(Crop(key, pixels, match.score, False, example.group + "/bg"))
            if quiet:
                group = f"{tag}bg{int(t // QUIET_S)}"
                for match in found[:BACKGROUND_PER_SAMPLE]:
                    if low <= match.score < ind.threshold:
                        pixels = crop_luma(sample.luma, match_box(matcher, match))
                        background.append(Crop(key, pixels, match.score, False, group))
    return crops + _fewer_groups(background, max(MIN_EXAMPLES, len(examples)))


def _fewer_groups(crops: list[Crop], keep: int) -> list[Crop]:
    """The crops of at most ``keep`` of their groups, spread evenly (deterministic)."""
    groups = sorted({c.group for c in crops})
    if len(groups) <= keep:
        return crops
    chosen = {groups[i] for i in np.linspace(0, len(groups) - 1, keep).round().astype(int)}
    return [c for c in crops if c.group in chosen]


def split_groups(crops: Sequence[Crop], seed: int = 0) -> tuple[set[str], set[str]]:
    """Train and held-out correction ids: HELD_OUT of each class (at least 2) held out."""
    rng = np.random.default_rng(seed)
    label = {c.group: c.positive for c in crops}
    train: set[str] = set()
    held: set[str] = set()
    for positive in (True, False):
        groups = sorted(g for g, p in label.items() if p == positive)
        rng.shuffle(groups)
        n = max(2, round(len(groups) * HELD_OUT)) if len(groups) >= 4 else len(groups) // 2
        held.update(groups[:n])
        train.update(groups[n:])
    return train, held


# --- augmentation and training ----------------------------------------------------------------


def augment(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A plausible other capture of the same crop: rescaled and shifted a little, recompressed,
    brighter or darker, noisier."""
    h, w = crop.shape[:2]
    scale = rng.uniform(0.88, 1.12)
    dx, dy = rng.uniform(-0.05, 0.05) * w, rng.uniform(-0.08, 0.08) * h
    matrix = np.float32(
        [[scale, 0, (1 - scale) * w / 2 + dx], [0, scale, (1 - scale) * h / 2 + dy]]
    )
    out = cv2.warpAffine(crop, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)
    if rng.random() < 0.5:  # a round trip through a lower-resolution capture
        f = rng.uniform(0.5, 0.9)
        small = cv2.resize(
            out, (max(4, int(w * f)), max(4, int(h * f))), interpolation=cv2.INTER_AREA
        )
        out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.7:
        quality = int(rng.integers(20, 90))
        ok, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            out = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    gain, offset = rng.uniform(0.6, 1.4), rng.uniform(-30, 30)
    noisy = out.astype(np.float32) * gain + offset + rng.normal(0, rng.uniform(0, 6), out.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


@dataclass
class TrainArgs:
    """Training settings (the defaults train in seconds on one CPU core)."""

    steps: int = 400
    """optimiser steps (crops with context around a box the scale search locked vary more than
    crops of the reference's box: 200 left look-alikes at another HUD scale near 0.5)"""
    batch: int = 48
    """crops per step (each freshly augmented)"""
    lr: float = 3e-3
    """Adam's learning rate"""
    seed: int = 0
    """seeds the split, the augmentation and the initial weights"""
    threads: int = 1
    """torch threads (1: the worker shares its machine)"""


def train_net(
    crops: Sequence[Crop],
    heads: dict[str, int],
    args: TrainArgs,
    progress: Callable[[float], None] | None = None,
    thresholds: dict[str, float] | None = None,
) -> Net:
    """Trains a fresh network on the crops (balanced classes, augmented every step).

    With ``thresholds`` (indicator key -> its own threshold), half of each step's negatives are
    look-alikes: rejected crops that score at the threshold, which template matching alone
    reports and the verifier is there to refuse. Drawn uniformly they are few among the
    background candidates near every correction."""
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    torch.set_num_threads(args.threads)
    net = Net(len(heads))
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    pos = [i for i, c in enumerate(crops) if c.positive]
    neg = [i for i, c in enumerate(crops) if not c.positive]
    if not pos or not neg:
        raise VerifierError("training needs both confirmed and rejected examples")
    loss_fn = nn.BCEWithLogitsLoss()
    net.train()
    hard = [i for i in neg if thresholds and crops[i].score >= thresholds[crops[i].key]]
    for step in range(args.steps):
        half = args.batch // 2
        n_hard = (args.batch - half) // 2 if hard else 0
        picks = list(rng.choice(pos, half)) + list(rng.choice(neg, args.batch - half - n_hard))
        picks += list(rng.choice(hard, n_hard)) if n_hard else []
        batch = np.stack([normalise(augment(crops[i].pixels, rng)) for i in picks])
        target = torch.tensor([float(crops[i].positive) for i in picks])
        head_of = torch.tensor([heads[crops[i].key] for i in picks])
        logits = net(torch.from_numpy(batch[:, None]))[torch.arange(len(picks)), head_of]
        loss = loss_fn(logits, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if progress is not None and step % 25 == 0:
            progress(step / args.steps)
    return net.eval()


@dataclass(frozen=True)
class Rates:
    """Per-correction outcome counts and the rates they give."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
        }


def _rates(decisions: dict[str, bool], truth: dict[str, bool]) -> Rates:
    tp = sum(1 for g, d in decisions.items() if d and truth[g])
    fp = sum(1 for g, d in decisions.items() if d and not truth[g])
    fn = sum(1 for g, d in decisions.items() if not d and truth[g])
    return Rates(tp, fp, fn)


def evaluate(
    verifier: Verifier, crops: Sequence[Crop], thresholds: dict[str, float]
) -> tuple[Rates, Rates]:
    """(before, after) on these crops' corrections; see the module docstring."""
    truth = {c.group: c.positive for c in crops}
    before = dict.fromkeys(truth, False)
    after = dict.fromkeys(truth, False)
    candidates = [c for c in crops if c.score >= verifier.indicators.get(c.key, 2.0)]
    kept = verifier.probabilities(
        [verifier.heads[c.key] for c in candidates], [c.pixels for c in candidates]
    )
    for crop in crops:
        if crop.score >= thresholds[crop.key]:
            before[crop.group] = True
    for crop, p in zip(candidates, kept, strict=True):
        if p >= 0.5:
            after[crop.group] = True
    return _rates(before, truth), _rates(after, truth)


@dataclass
class Training:
    """What :func:`train_verifier` made and measured."""

    verifier: Verifier
    before: Rates
    after: Rates
    train_examples: int
    held_out_examples: int
    train_s: float
    load_average: float
    metrics: dict = field(default_factory=dict)

    @property
    def better(self) -> bool:
        """Used only when it beats template matching alone on held-out corrections (F1)."""
        return self.after.f1 > self.before.f1


def count_classes(examples: Iterable[Example]) -> tuple[int, int]:
    """(positives, negatives)."""
    ex = list(examples)
    pos = sum(e.positive for e in ex)
    return pos, len(ex) - pos


def examples_missing(positives: int, negatives: int) -> int:
    """How many more corrections training needs (0: enough): MIN_EXAMPLES in all, with at
    least MIN_PER_CLASS confirmed and MIN_PER_CLASS rejected."""
    per_class = max(0, MIN_PER_CLASS - positives) + max(0, MIN_PER_CLASS - negatives)
    return max(MIN_EXAMPLES - positives - negatives, per_class, 0)


def train_verifier(
    profile: Profile,
    crops: Sequence[Crop],
    args: TrainArgs | None = None,
    progress: Callable[[float], None] | None = None,
) -> Training:
    """Splits the corrections, trains on one part and measures before/after on the other.

    Raises:
        VerifierError: no crops for either class, or no indicator had any.
    """
    args = args or TrainArgs()
    keys = {indicator_key(i): i for i in profile.indicators}
    used = [k for k in keys if any(c.key == k for c in crops)]
    if not used:
        raise VerifierError("no crops: no indicator matched near any correction")
    heads = {k: n for n, k in enumerate(used)}
    train_ids, held_ids = split_groups(crops, args.seed)
    train = [c for c in crops if c.group in train_ids]
    held = [c for c in crops if c.group in held_ids]
    thresholds = {k: keys[k].threshold for k in used}
    started, cpu = time.perf_counter(), time.process_time()
    net = train_net(train, heads, args, progress, thresholds)
    train_s = time.perf_counter() - started
    train_cpu_s = time.process_time() - cpu
    verifier = Verifier(net, {k: candidate_threshold_for(keys[k]) for k in used})
    before, after = evaluate(verifier, held, thresholds)
    load = os.getloadavg()[0]
    training = Training(verifier, before, after, len(train_ids), len(held_ids), train_s, load)
    training.metrics = {
        "before": before.to_dict(),
        "after": after.to_dict(),
        "better": training.better,
        "train_examples": len(train_ids),
        "held_out_examples": len(held_ids),
        "train_crops": len(train),
        "train_s": round(train_s, 2),
        "train_cpu_s": round(train_cpu_s, 2),
        "load_average": round(load, 2),
        "profile_hash": profile.version_hash,
    }
    verifier.meta = dict(training.metrics)
    return training
