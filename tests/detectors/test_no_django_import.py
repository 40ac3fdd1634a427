"""detectors/ is plain Python: importing every module of it loads no Django."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import detectors

ROOT = Path(__file__).resolve().parents[2]


def test_importing_every_detectors_module_imports_no_django():
    names = [m.name for m in pkgutil.walk_packages(detectors.__path__, "detectors.")]
    names = [n for n in names if n != "detectors.__main__"]  # runs the CLI on import
    assert {"detectors.detect", "detectors.clips", "detectors.synth"} <= set(names)
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
