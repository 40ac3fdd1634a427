"""Decoding untrusted video in a child process with a time and memory limit.

Recordings come from users, and FFmpeg's decoders are native code: a crafted or garbled file can
crash one (SIGSEGV), make it loop, or make it allocate without end. Run in the worker itself,
that would take the worker down, or wedge it. Here each call runs in a fresh
``python -m detectors.sandbox`` process:

* its address space is capped at ``memory_mb`` *above* what the child maps once its libraries
  are loaded (so the limit means "what decoding may use", whatever the libraries' baseline is);
* it is killed after ``timeout_s`` of wall-clock time, and dies with its parent (PDEATHSIG);
* a crash, a timeout, running out of memory or any other end without an answer raises
  :class:`DecodeFailed` whose message a person can read ("the decoder crashed on this file
  (signal 11)", "decoding took longer than 40 s").

The call itself stays an ordinary function call: ``sandboxed.detect(video, profile,
frame_index=..., progress=..., limits=...)`` takes the same arguments as
:func:`detectors.detect.detect` (plus ``limits``), so options added there pass through. A
``progress`` callback is called in the caller's process as the child reports.

Protocol: the request (trusted: it comes from the caller) goes to the child's stdin pickled,
except the bytes of its arrays (a profile's decoded reference screenshots: 8 MB each at 1080p,
the frame index), which go out of band (pickle protocol 5) into one shared-memory file
(``memfd``) the child maps copy-on-write: one copy in the parent, none in the child, instead of
pickling 16 MB through a file and unpickling it again (see :func:`pack_request`). The
child answers on a private pipe with JSON lines only (never pickle: the child handles hostile
bytes, so what it sends back is data, rebuilt only into known types): ``{"progress": f}`` any
number of times, then one ``{"result": ...}`` or ``{"error": ...}``.
"""

from __future__ import annotations

import base64
import ctypes
import dataclasses
import errno
import importlib
import json
import mmap
import os
import pickle
import resource
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Exceptions the child may raise that callers handle by name; any other becomes DecodeFailed.
_ERRORS = {
    "ProbeError": ("detectors.probe", "ProbeError"),
    "VideoError": ("detectors.video", "VideoError"),
    "ProfileError": ("detectors.profile", "ProfileError"),
}
# Result types the parent rebuilds from the child's JSON (nothing else is ever constructed).
_TYPES = {
    "ProbeResult": ("detectors.probe", "ProbeResult"),
    "DetectionResult": ("detectors.detect", "DetectionResult"),
    "Event": ("detectors.events", "Event"),
}
PROGRESS_PER_S = 10
NEAR_CAP_BYTES = 64 * 1024 * 1024
_PR_SET_PDEATHSIG = 1


class DecodeFailed(Exception):
    """The child ended without an answer; the message says how, for the person who sent the file."""


@dataclass(frozen=True)
class Limits:
    """What one sandboxed call may use.

    Attributes:
        timeout_s: Wall-clock seconds before the child is killed.
        memory_mb: Address space the call may add to the loaded child (RLIMIT_AS); 0: no cap.
    """

    timeout_s: float = 600.0
    memory_mb: int = 4096


def run(target: str, /, *args: Any, limits: Limits, progress: Callable | None = None, **kw: Any):
    """Calls ``target`` ("module:function") in a limited child process and returns its result.

    Raises:
        ProbeError, VideoError, ProfileError: as the function itself raised them.
        DecodeFailed: the child crashed, timed out, ran out of memory or broke off.
    """
    request, shared_fd = pack_request((target, args, kw, progress is not None, limits.memory_mb))
    shared = () if shared_fd is None else (shared_fd,)
    read_fd, write_fd = os.pipe()
    env = {**os.environ, "MALLOC_ARENA_MAX": "2", "PYTHONFAULTHANDLER": ""}
    # The request goes through a file, so a child that never reads it cannot block the caller.
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as stderr:
        stdin.write(request)
        stdin.seek(0)
        try:
            child = subprocess.Popen(
                [sys.executable, "-m", "detectors.sandbox", str(write_fd), *map(str, shared)],
                stdin=stdin,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                pass_fds=(write_fd, *shared),
                env=env,
                cwd=str(Path(__file__).resolve().parent.parent),
            )
        finally:
            os.close(write_fd)
            for fd in shared:  # the child holds its own copy of the descriptor
                os.close(fd)
        try:
            message = _talk(read_fd, limits, progress)
        finally:
            os.close(read_fd)
            if child.poll() is None:
                child.kill()
            child.wait()
        if message is None:
            stderr.seek(0)
            raise DecodeFailed(_how_it_ended(child.returncode, stderr.read(), limits))
    if "error" in message:
        raise _rebuild_error(message["error"], limits.memory_mb)
    return _decode(message["result"])


def probe(path, /, *, limits: Limits, **kw: Any):
    """:func:`detectors.probe.probe` in a child process."""
    return run("detectors.probe:probe", path, limits=limits, **kw)


def detect(video, profile, /, *, limits: Limits, **kw: Any):
    """:func:`detectors.detect.detect` in a child process (same keyword arguments)."""
    return run("detectors.detect:detect", video, profile, limits=limits, **kw)


def read_frame(path, time_s: float, /, *, limits: Limits, **kw: Any):
    """:func:`detectors.probe.read_frame` in a child process."""
    return run("detectors.probe:read_frame", path, time_s, limits=limits, **kw)


# Passing the request -----------------------------------------------------------------------------

_ALIGN = 64  # each array's bytes start at a multiple of this in the shared file


def pack_request(request: Any) -> tuple[bytes, int | None]:
    """``request`` pickled for the child, its arrays' bytes out of band in shared memory.

    Returns:
        What goes to the child's stdin (the pickle without the arrays' bytes, and where each
        array's bytes lie), and a ``memfd`` holding those bytes back to back (None when there are
        none). The caller passes the descriptor to the child and closes its own.
    """
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(request, protocol=5, buffer_callback=buffers.append)
    layout: list[tuple[int, int]] = []
    end = 0
    for buffer in buffers:
        start = -(-end // _ALIGN) * _ALIGN
        layout.append((start, buffer.raw().nbytes))
        end = start + layout[-1][1]
    if end == 0:
        return pickle.dumps((data, layout)), None
    fd = os.memfd_create("detectors-sandbox")  # close-on-exec: only the child it is passed to
    try:
        for buffer, (offset, _) in zip(buffers, layout, strict=True):
            view = buffer.raw()
            while view.nbytes:
                written = os.pwrite(fd, view, offset)
                view, offset = view[written:], offset + written
    except BaseException:
        os.close(fd)
        raise
    return pickle.dumps((data, layout)), fd


def unpack_request(raw: bytes, fd: int | None) -> Any:
    """The request :func:`pack_request` packed, its arrays on the shared bytes (copy-on-write:
    as writable as before, and a write never reaches the parent); closes ``fd``."""
    data, layout = pickle.loads(raw)
    if fd is None:
        return pickle.loads(data, buffers=[bytearray(size) for _, size in layout])
    try:
        shared = mmap.mmap(fd, 0, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    finally:
        os.close(fd)
    view = memoryview(shared)
    return pickle.loads(data, buffers=[view[start : start + size] for start, size in layout])


def _talk(read_fd: int, limits: Limits, progress) -> dict | None:
    """Relays progress until the final message, which it returns (None: the child ended first).

    Raises:
        DecodeFailed: the time limit passed first (the caller then kills the child).
    """
    deadline = time.monotonic() + limits.timeout_s
    buffer = b""
    with selectors.DefaultSelector() as sel:
        sel.register(read_fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DecodeFailed(f"decoding took longer than {limits.timeout_s:.3g} s")
            if not sel.select(timeout=min(left, 1.0)):
                continue
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                return None
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                message = json.loads(line)
                if "progress" not in message:
                    return message
                if progress is not None:
                    progress(float(message["progress"]))


def _how_it_ended(code: int | None, stderr: bytes, limits: Limits) -> str:
    text = stderr.decode("utf-8", "replace")
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "signal"
        return f"the decoder crashed on this file ({name}, signal {-code})"
    if "MemoryError" in text or "Cannot allocate memory" in text:
        return f"decoding needed more than the {limits.memory_mb} MB memory limit"
    last = text.strip().splitlines()[-1:] or [""]
    return f"the decoder stopped (exit code {code}){': ' + last[0][:200] if last[0] else ''}"


def _rebuild_error(error: dict, limit_mb: int) -> Exception:
    if error.get("type") == "MemoryError":
        return DecodeFailed(
            f"decoding needed more than the {limit_mb} MB memory limit ({error['message']})"
        )
    if error.get("type") in _ERRORS:
        module, name = _ERRORS[error["type"]]
        return getattr(importlib.import_module(module), name)(error["message"])
    return DecodeFailed(f"the decoder failed: {error.get('type')}: {error.get('message')}")


# Encoding results as JSON --------------------------------------------------------------------


def _encode(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        return {
            "__ndarray__": base64.b64encode(data.tobytes()).decode(),
            "dtype": data.dtype.str,
            "shape": list(data.shape),
        }
    if isinstance(value, np.generic):
        return value.item()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__type__": type(value).__name__, "fields": fields}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def _decode(value: Any) -> Any:
    import numpy as np

    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__ndarray__" in value:
        dtype = np.dtype(value["dtype"])
        if dtype.hasobject:
            raise DecodeFailed("the decoder answered with data of an unexpected type")
        raw = base64.b64decode(value["__ndarray__"])
        return np.frombuffer(raw, dtype).reshape(value["shape"]).copy()
    if "__type__" in value:
        if value["__type__"] not in _TYPES:
            raise DecodeFailed("the decoder answered with data of an unexpected type")
        module, name = _TYPES[value["__type__"]]
        cls = getattr(importlib.import_module(module), name)
        return cls(**{k: _decode(v) for k, v in value["fields"].items()})
    return {k: _decode(v) for k, v in value.items()}


# The child ----------------------------------------------------------------------------------------


def _address_space(field: str = "VmSize") -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _gave_up(result: Any) -> bool:
    """A probe that says the file is unusable, or a detection that stopped part-way."""
    return getattr(result, "ok", True) is False or getattr(result, "complete", True) is False


def _near(cap: int) -> bool:
    """Whether the child's peak address space came within NEAR_CAP_BYTES of the cap: decoders
    report a refused allocation as a generic error ("cannot decode"), so a failure this close to
    the cap is put down to the cap. (One allocation bigger than the whole headroom, refused
    from far below it, still reads as a file that cannot be decoded.)"""
    return _address_space("VmPeak") >= cap - NEAR_CAP_BYTES


def _out_of_memory(exc: BaseException | None) -> bool:
    """Whether an error came from the memory cap: a MemoryError, or an allocation or a decoder
    thread refused (ENOMEM, EAGAIN) somewhere in its chain of causes."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, MemoryError) or getattr(exc, "errno", None) in (
            errno.ENOMEM,
            errno.EAGAIN,
        ):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _child(out_fd: int, shared_fd: int | None) -> None:
    parent = os.getppid()
    try:
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
    out = os.fdopen(out_fd, "w", buffering=1)
    request = unpack_request(sys.stdin.buffer.read(), shared_fd)
    target, args, kw, wants_progress, memory_mb = request
    module, name = target.split(":")
    func = getattr(importlib.import_module(module), name)
    import detectors.detect  # noqa: F401 - load every decoder library before the cap

    if wants_progress:
        last = [0.0]

        def report(fraction: float) -> None:
            now = time.monotonic()
            if now - last[0] >= 1 / PROGRESS_PER_S or fraction >= 1.0:
                last[0] = now
                out.write(json.dumps({"progress": float(fraction)}) + "\n")

        kw["progress"] = report
    cap = 0
    if memory_mb > 0:
        cap = _address_space() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, resource.RLIM_INFINITY))
    capped = memory_mb > 0
    try:
        result = func(*args, **kw)
        answer = {"result": _encode(result)}
        if capped and _gave_up(result) and _near(cap):
            answer = {"error": {"type": "MemoryError", "message": "an allocation was refused"}}
    except Exception as exc:  # noqa: BLE001 - every failure goes back to the parent as data
        memory = capped and (_out_of_memory(exc) or _near(cap))
        kind = "MemoryError" if memory else type(exc).__name__
        answer = {"error": {"type": kind, "message": str(exc) or "out of memory"}}
    out.write(json.dumps(answer) + "\n")
    out.flush()


if __name__ == "__main__":
    _child(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else None)
