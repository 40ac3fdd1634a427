import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_importing_the_agents_package_imports_no_django():
    code = (
        "import sys\n"
        "import tournaments.agents as a\n"
        "from tournaments.agents import agent_file, bc, dataset, dqn, evaluate\n"
        "from tournaments.agents import latency, loader, record, registry, train\n"
        "a.load_agent; a.DatasetWriter\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
