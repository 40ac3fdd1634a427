"""``replays/`` does not depend on the arena app: nothing in it imports ``tournaments``.

The demo, which builds data for both, lives in ``coach/demo.py`` (it was ``replays/demo.py``).
"""

from __future__ import annotations

from pathlib import Path

from tests.import_scan import imports_of

REPLAYS = Path(__file__).resolve().parents[2] / "replays"


def test_no_module_under_replays_imports_tournaments():
    assert imports_of(REPLAYS, ("tournaments",)) == []
