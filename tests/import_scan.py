"""Which modules of a package folder import which top-level packages (an AST scan, no import)."""

from __future__ import annotations

import ast
from pathlib import Path


def imports_of(folder: Path, roots: tuple[str, ...]) -> list[str]:
    """``"<file>: <module>"`` for each absolute import in ``folder`` of a package in ``roots``."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            found += [f"{path.relative_to(folder)}: {n}" for n in names if n.split(".")[0] in roots]
    return found
