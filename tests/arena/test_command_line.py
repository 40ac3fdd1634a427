from pathlib import Path

import pytest

from tournaments.arena.__main__ import main


def test_video_then_replay_prints_the_result_and_verifies_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "m.mp4"
    main(["video", str(out), "--seed", "2", "--rounds", "1", "--round-seconds", "5",
          "--scale", "1"])  # fmt: skip
    printed = capsys.readouterr().out
    assert out.stat().st_size > 0 and (tmp_path / "m.json").exists()
    assert "winner: " in printed and "round 1: " in printed
    main(["replay", str(tmp_path / "m.json")])
    assert "final state matches the record" in capsys.readouterr().out


def test_bad_input_gets_a_one_line_error_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["video", str(tmp_path / "missing" / "m.mp4")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: output folder does not exist") and err.count("\n") == 1
