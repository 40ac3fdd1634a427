"""``replays/`` does not depend on the arena app: nothing in it imports ``tournaments``.

The demo, which builds data for both, lives in ``coach/demo.py`` (it was ``replays/demo.py``).
"""

from __future__ import annotations

import ast
from pathlib import Path

REPLAYS = Path(__file__).resolve().parents[2] / "replays"


def test_no_module_under_replays_imports_tournaments():
    offenders = []
    for path in REPLAYS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            offenders += [
                f"{path.relative_to(REPLAYS)}: {n}"
                for n in names
                if n.split(".")[0] == "tournaments"
            ]
    assert offenders == []
