"""``detectors/`` is a general detection library: nothing in it imports the arena (or Django)."""

from __future__ import annotations

from pathlib import Path

from tests.import_scan import imports_of

DETECTORS = Path(__file__).resolve().parents[2] / "detectors"


def test_no_module_under_detectors_imports_tournaments():
    assert imports_of(DETECTORS, ("tournaments", "django")) == []
