"""``detectors/`` is a general detection library: nothing in it imports the arena (or Django)."""

from __future__ import annotations

import ast
from pathlib import Path

DETECTORS = Path(__file__).resolve().parents[2] / "detectors"


def test_no_module_under_detectors_imports_tournaments():
    offenders = []
    for path in DETECTORS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(DETECTORS)}: {n}" for n in names
                          if n.split(".")[0] in ("tournaments", "django")]  # fmt: skip
    assert offenders == []
