"""Agent files: a JSON config plus safetensors weights, as a folder or a single .zip upload.

Layout (folder or zip root, nothing else allowed):

* ``config.json`` — format, architecture name and hyper-parameters, observation type and shape,
  number of actions, frame skip, characters trained for, algorithm and a training summary.
* ``model.safetensors`` — the weights, float32, names exactly as the architecture defines them.
* ``metrics.csv`` — optional: the training curve (one row per evaluation).

Loading never unpickles: the config is JSON, the weights are safetensors, and the network is
built from the project's registry before the tensors are checked against it name by name.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes
from torch import nn

from .policy import Agent
from .registry import ArchitectureError, build_network

FORMAT = "film-room-agent"
FORMAT_VERSION = 1
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
METRICS_NAME = "metrics.csv"
ALLOWED_NAMES = frozenset({CONFIG_NAME, WEIGHTS_NAME, METRICS_NAME})
# Generous for networks that decide in < 2 ms; anything bigger is not an agent of ours.
MAX_ZIP_BYTES = 64 * 1024 * 1024
MAX_MEMBER_BYTES = {CONFIG_NAME: 1024 * 1024, WEIGHTS_NAME: 256 * 1024 * 1024}
MAX_MEMBER_BYTES[METRICS_NAME] = 16 * 1024 * 1024
OBS_TYPES = ("state", "pixels")
# The most float32 parameters a network may declare (64 MiB of weights, the zip's own limit):
# checked on a skeleton built on torch's "meta" device, which allocates no memory, so a config
# such as Linear(1_000_000, 4096) is refused before anything real is built.
MAX_PARAMETERS = 16 * 2**20
_MAX_HEADER_BYTES = 1024 * 1024


class AgentFileError(ValueError):
    """An agent file is malformed, unsafe or does not match its declared architecture."""


def make_config(
    *,
    architecture: str,
    hyperparameters: Mapping[str, Any],
    obs_type: str,
    obs_shape: tuple[int, ...],
    n_actions: int,
    frame_skip: int,
    characters: tuple[str, ...] | list[str],
    algo: str,
    training: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Builds a config dict in the agent-file format (see the module docstring)."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": architecture,
        "hyperparameters": dict(hyperparameters),
        "obs": {"type": obs_type, "shape": [int(s) for s in obs_shape]},
        "n_actions": int(n_actions),
        "frame_skip": int(frame_skip),
        "characters": list(characters),
        "algo": algo,
        "training": dict(training or {}),
    }


def save_agent(
    path: str | os.PathLike[str],
    model: nn.Module,
    config: Mapping[str, Any],
    metrics_csv: str | os.PathLike[str] | None = None,
) -> Path:
    """Writes an agent as a folder, or as a single zip when ``path`` ends in ``.zip``.

    The config is validated (and the model checked against it) before anything is written,
    so a saved agent always loads.

    Args:
        path: Target folder, or a ``.zip`` file path.
        model: The network (its ``state_dict`` is saved as float32 safetensors).
        config: The agent config, e.g. from :func:`make_config`.
        metrics_csv: Optional training-curve CSV to include.

    Returns:
        The path written.

    Raises:
        AgentFileError: The config is invalid or does not describe ``model``.
    """
    config = dict(config)
    tensors = {
        k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items()
    }
    _check_against_architecture(_validate_config(config), tensors)
    files = {
        CONFIG_NAME: json.dumps(config, indent=2, sort_keys=True).encode(),
        WEIGHTS_NAME: save_safetensors_bytes(tensors),
    }
    if metrics_csv is not None:
        files[METRICS_NAME] = Path(metrics_csv).read_bytes()
    target = Path(path)
    if target.suffix == ".zip":
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                zf.writestr(name, data)
    else:
        target.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (target / name).write_bytes(data)
    return target


def load_agent(path: str | os.PathLike[str] | BinaryIO) -> Agent:
    """Loads an agent from a folder or a ``.zip`` (see the module docstring for the layout).

    Args:
        path: An agent folder, a zip file, or an open binary zip file (e.g. an upload).

    Returns:
        An :class:`Agent` ready to act.

    Raises:
        AgentFileError: With a one-line reason, for anything wrong with the file.
    """
    files = read_agent_files(path)
    config = inspect_agent(files)  # shapes and size first: nothing is built for a bad file
    try:
        tensors = load_safetensors_bytes(files[WEIGHTS_NAME])
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise AgentFileError(f"{WEIGHTS_NAME} is not a valid safetensors file ({exc})") from None
    model = _check_against_architecture(config, tensors)
    model.load_state_dict(tensors, strict=True)
    return Agent(model, config)


def inspect_agent(
    files: Mapping[str, bytes], check: Callable[[dict[str, Any]], None] | None = None
) -> dict[str, Any]:
    """Checks an agent's config against its weights without building the network or loading
    a tensor: the names, shapes and dtypes in the safetensors header must be exactly those of
    the declared architecture, whose parameters must fit ``MAX_PARAMETERS``.

    Args:
        files: The members from :func:`read_agent_files`.
        check: called with the parsed config before the weights are compared with it (a
            caller's own rules, e.g. the site's observation type: its reason comes first).

    Returns:
        The validated config.

    Raises:
        AgentFileError: With a one-line reason.
    """
    config = _parse_config(files[CONFIG_NAME])
    if check is not None:
        check(config)
    header = _safetensors_header(files[WEIGHTS_NAME])
    try:
        with torch.device("meta"):  # a skeleton: shapes without memory
            skeleton = build_network(
                config["architecture"],
                config["obs"]["shape"],
                config["n_actions"],
                config["hyperparameters"],
            )
    except ArchitectureError as exc:
        raise AgentFileError(str(exc)) from None
    except (TypeError, ValueError, RuntimeError) as exc:
        raise AgentFileError(f"the config does not describe a network ({exc})") from None
    expected = {k: tuple(v.shape) for k, v in skeleton.state_dict().items()}
    count = sum(p.numel() for p in skeleton.parameters())
    if count > MAX_PARAMETERS:
        raise AgentFileError(
            f"{config['architecture']} as configured has {count:,} parameters; "
            f"at most {MAX_PARAMETERS:,} are accepted"
        )
    _compare(config, expected, {k: (v.get("dtype"), v.get("shape")) for k, v in header.items()})
    return config


def _safetensors_header(data: bytes) -> dict[str, dict]:
    """The tensor table of a safetensors file (its JSON header), without reading a tensor."""
    bad = f"{WEIGHTS_NAME} is not a valid safetensors file"
    if len(data) < 8:
        raise AgentFileError(f"{bad} (too short)")
    size = int.from_bytes(data[:8], "little")
    if size > min(_MAX_HEADER_BYTES, len(data) - 8):
        raise AgentFileError(f"{bad} (header of {size} bytes)")
    try:
        header = json.loads(data[8 : 8 + size])
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise AgentFileError(f"{bad} ({exc})") from None
    if not isinstance(header, dict):
        raise AgentFileError(f"{bad} (header is not an object)")
    header.pop("__metadata__", None)
    if not all(isinstance(v, dict) for v in header.values()):
        raise AgentFileError(f"{bad} (malformed tensor entry)")
    return header


def _compare(
    config: dict[str, Any], expected: Mapping[str, tuple], found: Mapping[str, tuple]
) -> None:
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    if missing:
        raise AgentFileError(
            f"weights are missing tensor(s) {missing[:5]} for {config['architecture']}"
        )
    if unexpected:
        raise AgentFileError(f"weights have unexpected tensor(s) {unexpected[:5]}")
    for name, shape in expected.items():
        dtype, got = found[name]
        got = tuple(got) if isinstance(got, list) else got
        if got != shape:
            raise AgentFileError(
                f"shape mismatch for {name}: file has {got}, config implies {shape}"
            )
        if dtype != "F32":
            raise AgentFileError(f"tensor {name} must be float32, got {dtype}")


def read_agent_files(path: str | os.PathLike[str] | BinaryIO) -> dict[str, bytes]:
    """Reads the raw members of an agent folder or zip, enforcing names and sizes.

    Raises:
        AgentFileError: Missing path or member, unknown/unsafe member name, or too large.
    """
    if hasattr(path, "read"):
        files = _read_zip(path)  # type: ignore[arg-type]
        for required in (CONFIG_NAME, WEIGHTS_NAME):
            if required not in files:
                raise AgentFileError(f"agent file is missing {required}")
        return files
    p = Path(path)
    if p.is_dir():
        files = {}
        for name in (CONFIG_NAME, WEIGHTS_NAME, METRICS_NAME):
            member = p / name
            if member.is_file():
                _check_size(name, member.stat().st_size)
                files[name] = member.read_bytes()
    elif p.is_file():
        files = _read_zip(p)
    else:
        raise AgentFileError(f"no agent folder or zip at {p}")
    for required in (CONFIG_NAME, WEIGHTS_NAME):
        if required not in files:
            raise AgentFileError(f"agent file is missing {required}")
    return files


def _read_zip(source: Path | BinaryIO) -> dict[str, bytes]:
    if isinstance(source, Path):
        size, label = source.stat().st_size, source.name
    else:
        size, label = source.seek(0, io.SEEK_END), "upload"
        source.seek(0)
    if size > MAX_ZIP_BYTES:
        raise AgentFileError(f"zip is larger than the {_human(MAX_ZIP_BYTES)} allowed")
    try:
        zf = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise AgentFileError(
            f"{label} is not a zip file (expected a .zip of {CONFIG_NAME} + {WEIGHTS_NAME})"
        ) from None
    files: dict[str, bytes] = {}
    with zf:
        for info in zf.infolist():
            name = info.filename
            # Only the known names at the root: no folders, no '..', no absolute paths,
            # so nothing can be steered outside wherever a caller extracts it.
            if name not in ALLOWED_NAMES:
                raise AgentFileError(
                    f"unexpected zip member {name!r}: only {sorted(ALLOWED_NAMES)} "
                    "at the top level are allowed"
                )
            if name in files:
                raise AgentFileError(f"zip member {name!r} appears twice")
            _check_size(name, info.file_size)
            try:
                # Read at most the limit + 1 so a lying header cannot make us inflate a bomb.
                with zf.open(info) as fh:
                    data = fh.read(MAX_MEMBER_BYTES[name] + 1)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
                raise AgentFileError(f"cannot read zip member {name!r} ({exc})") from None
            _check_size(name, len(data))
            files[name] = data
    return files


def _check_size(name: str, size: int) -> None:
    limit = MAX_MEMBER_BYTES[name]
    if size > limit:
        raise AgentFileError(f"{name} is larger than the {_human(limit)} allowed")


def _human(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n} bytes"


def _parse_config(data: bytes) -> dict[str, Any]:
    try:
        config = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AgentFileError(f"{CONFIG_NAME} is not valid JSON ({exc})") from None
    return _validate_config(config)


def _validate_config(config: Any) -> dict[str, Any]:
    if not isinstance(config, dict):
        raise AgentFileError(f"{CONFIG_NAME} must be a JSON object")
    if config.get("format") != FORMAT:
        raise AgentFileError(
            f"{CONFIG_NAME}: format must be {FORMAT!r}, got {config.get('format')!r}"
        )
    if config.get("format_version") != FORMAT_VERSION:
        raise AgentFileError(f"unsupported format_version {config.get('format_version')!r}")
    for key in ("architecture", "hyperparameters", "obs", "n_actions", "frame_skip"):
        if key not in config:
            raise AgentFileError(f"{CONFIG_NAME} is missing {key!r}")
    obs = config["obs"]
    if not isinstance(obs, dict) or obs.get("type") not in OBS_TYPES:
        raise AgentFileError(f"obs.type must be one of {OBS_TYPES}")
    shape = obs.get("shape")
    if (
        not isinstance(shape, list)
        or not shape
        or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in shape)
    ):
        raise AgentFileError(f"obs.shape must be a list of positive integers, got {shape!r}")
    fs = config["frame_skip"]
    if isinstance(fs, bool) or not isinstance(fs, int) or not 1 <= fs <= 60:
        raise AgentFileError(f"frame_skip must be an integer in [1, 60], got {fs!r}")
    chars = config.get("characters", [])
    if not isinstance(chars, list) or not all(isinstance(c, str) for c in chars):
        raise AgentFileError("characters must be a list of names")
    return config


def _check_against_architecture(
    config: dict[str, Any], tensors: Mapping[str, torch.Tensor]
) -> nn.Module:
    """Builds the declared network and checks the tensors match it exactly."""
    try:
        model = build_network(
            config["architecture"],
            config["obs"]["shape"],
            config["n_actions"],
            config["hyperparameters"],
        )
    except ArchitectureError as exc:
        raise AgentFileError(str(exc)) from None
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing:
        raise AgentFileError(
            f"weights are missing tensor(s) {missing[:5]} for {config['architecture']}"
        )
    if unexpected:
        raise AgentFileError(f"weights have unexpected tensor(s) {unexpected[:5]}")
    for name, ref in expected.items():
        got = tensors[name]
        if tuple(got.shape) != tuple(ref.shape):
            raise AgentFileError(
                f"shape mismatch for {name}: file has {tuple(got.shape)}, "
                f"config implies {tuple(ref.shape)}"
            )
        if got.dtype != torch.float32:
            raise AgentFileError(f"tensor {name} must be float32, got {got.dtype}")
    return model


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """Packs members into zip bytes (a helper for tests and for the site's download)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()
