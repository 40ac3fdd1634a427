import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tournaments.agents.train import main

from .helpers import write_synthetic_dataset

REPO = Path(__file__).resolve().parents[2]


def test_bc_without_a_dataset_is_a_one_line_error(capsys):
    assert main(["--algo", "bc"]) == 2
    assert capsys.readouterr().err.strip() == "error: --algo bc needs --dataset PATH [PATH ...]"


def test_a_missing_dataset_is_named_in_the_error(tmp_path, capsys):
    assert main(["--algo", "bc", "--dataset", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no dataset at" in err and "Traceback" not in err


def test_the_cli_trains_bc_and_prints_a_summary(tmp_path, capsys):
    data = write_synthetic_dataset(tmp_path / "d", episodes=3, ticks=120)
    out = tmp_path / "out"
    assert main(["--algo", "bc", "--dataset", str(data), "--steps", "20", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "held-out       agreement" in printed and (out / "agent.zip").is_file()


def test_the_django_command_wraps_the_same_trainer(tmp_path, capsys):
    data = write_synthetic_dataset(tmp_path / "d", episodes=3, ticks=120)
    out = tmp_path / "out"
    call_command(
        "train_agent", "--algo", "bc", "--dataset", str(data), "--steps", "10", "--out", str(out)
    )
    assert "steps          10 in" in capsys.readouterr().out
    assert (out / "metrics.csv").is_file()


def test_the_django_command_turns_user_errors_into_command_errors():
    with pytest.raises(CommandError, match="needs --dataset"):
        call_command("train_agent", "--algo", "bc")


def test_python_dash_m_runs_without_django(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tournaments.agents.train", "--algo", "bc"],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2 and "needs --dataset" in result.stderr
