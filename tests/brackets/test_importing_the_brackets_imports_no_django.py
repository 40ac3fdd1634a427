import subprocess
import sys


def test_importing_the_brackets_package_loads_no_django() -> None:
    code = (
        "import sys\n"
        "import tournaments.brackets, tournaments.brackets.elimination\n"
        "import tournaments.brackets.league, tournaments.brackets.seeding\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
