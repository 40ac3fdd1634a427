"""Event corrections: a coach confirms, rejects, moves or adds events, and they become labels.

Corrections survive every re-detection (``events_replace_detected`` keeps them and matches the
new run's events to them), export as ``labels.json`` for ``python -m detectors evaluate``, and
give each game profile its live precision and recall (``profile_accuracy``).
"""
