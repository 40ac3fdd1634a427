"""Indicator discovery for the profile editor: three marked frames of a replay in, a box out.

The editor sends frame numbers of the replay (exact, from its frame index); discovery works in
frame-index seconds (``detectors.discover``), so the numbers are turned into times here, and the
proposal's reference time back into a frame number the editor can load and cut from.

Measured on this machine (2 shared cores): see ``detectors/discover.py`` and the README; about a
second at 640x360 and a few at 1080p60 for three moments, so it runs inside the request, like
"Try it".
"""

from __future__ import annotations

import numpy as np

from detectors import ProfileError
from detectors.discover import MIN_MOMENTS, DiscoveryError, discover

from ..models import Replay

MAX_MOMENTS = 5


def _frame_numbers(value: object, count: int) -> list[int]:
    if not isinstance(value, list) or not MIN_MOMENTS <= len(value) <= MAX_MOMENTS:
        raise ProfileError(
            f"mark {MIN_MOMENTS} to {MAX_MOMENTS} moments (frame numbers) where the event happens"
        )
    numbers = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise ProfileError(f"moment {item!r} is not a frame number")
        if not 0 <= item < count:
            raise ProfileError(f"frame {item} is outside the replay (it has {count} frames)")
        numbers.append(item)
    if len(set(numbers)) != len(numbers):
        raise ProfileError("mark different moments: the same frame is marked twice")
    return sorted(numbers)


def replay_discover(replay: Replay, frames: object) -> dict:
    """Proposes an indicator box from moments (frame numbers) of a processed replay.

    Returns:
        ``{"box": [x, y, w, h], "score", "frame", "time_s", "candidates": [{box, score}],
        "onset_frames", ...}``, ``frame`` being the frame to cut the reference from (the box is
        in its pixels) and ``onset_frames`` where the sign appeared near each marked moment
        (a mark may be up to a second off).

    Raises:
        ProfileError: bad moments, or nothing found (one line for the editor's banner).
    """
    times = replay.frame_times() if replay.frame_index_path.exists() else np.zeros(0)
    numbers = _frame_numbers(frames, len(times))
    try:
        proposal = discover(replay.path, [float(times[n]) for n in numbers])
    except DiscoveryError as exc:
        raise ProfileError(str(exc)) from exc
    frame = int(np.searchsorted(times, proposal.reference_time_s - 1e-4))
    frame = min(frame, len(times) - 1)
    onsets = np.searchsorted(times, np.asarray(proposal.onsets_s) - 1e-4)
    return {
        **proposal.to_dict(),
        "frame": frame,
        "time_s": round(float(times[frame]), 4),
        "moments": numbers,
        "onset_frames": [int(min(n, len(times) - 1)) for n in onsets],
    }
