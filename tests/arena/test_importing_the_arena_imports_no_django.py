import subprocess
import sys


def test_importing_every_arena_module_loads_no_django() -> None:
    code = (
        "import sys\n"
        "import tournaments.arena, tournaments.arena.bots, tournaments.arena.single\n"
        "import tournaments.arena.vector, tournaments.arena.video, tournaments.arena.replay\n"
        "import tournaments.arena.profile, tournaments.arena.bench, tournaments.arena.state\n"
        "import tournaments.arena.batch, tournaments.arena.batch_env\n"
        "import tournaments.arena.pose, tournaments.arena.winprob\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "tournaments.arena" not in out.stderr
    assert out.stdout.strip() == ""
