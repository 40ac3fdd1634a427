"""Kill/death detection in gameplay recordings: plain Python, no Django.

Public API::

    from detectors import detect, load_profile
    result = detect("match.mp4", load_profile("halo5.json"))
    for event in result.events: ...
"""

from detectors.detect import DetectionResult, detect
from detectors.events import Event, EventError
from detectors.profile import Profile, ProfileError, load_profile
from detectors.video import VideoError

# Bump when the algorithm changes: stored events carry it, so re-runs know what produced them.
DETECTOR_VERSION = "1.0.0"

__all__ = [
    "DETECTOR_VERSION",
    "DetectionResult",
    "Event",
    "EventError",
    "Profile",
    "ProfileError",
    "VideoError",
    "detect",
    "load_profile",
]
