"""The limits one replay's decoding runs under (see ``detectors.sandbox``), from the settings."""

from __future__ import annotations

from django.conf import settings

from detectors.sandbox import Limits

PROBE_BYTES_PER_S = 20 * 1024 * 1024


def probe_limits(size_bytes: int) -> Limits:
    """Limits for probing a file whose length in seconds is not known yet."""
    return Limits(
        timeout_s=settings.FILMROOM_DECODE_TIMEOUT_BASE_S + size_bytes / PROBE_BYTES_PER_S,
        memory_mb=settings.FILMROOM_DECODE_MEMORY_MB,
    )


def decode_limits(duration_s: float) -> Limits:
    """Limits for decoding a video of ``duration_s`` seconds (detection, a thumbnail)."""
    per_s = settings.FILMROOM_DECODE_TIMEOUT_PER_VIDEO_S
    return Limits(
        timeout_s=settings.FILMROOM_DECODE_TIMEOUT_BASE_S + per_s * max(0.0, duration_s or 0.0),
        memory_mb=settings.FILMROOM_DECODE_MEMORY_MB,
    )
