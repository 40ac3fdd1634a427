"""The win-probability model: trains on match records, beats the base rate, ships, loads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tournaments.arena import winprob
from tournaments.arena.game import Game

from .helpers import new_game, run


def test_a_model_trained_on_bot_matches_beats_the_base_rate_on_held_out_matches() -> None:
    x, y, groups = winprob.dataset(winprob.generate_records(40, seed=5))
    model = winprob.train(x, y, groups, seed=0, epochs=8)
    hx, hy, _ = winprob.dataset(winprob.generate_records(20, seed=6))
    cal = winprob.calibrate(model, hx, hy, float(y.mean()), 20)
    assert cal.matches == 20 and cal.states == len(hy) > 500
    assert cal.brier < 0.8 * cal.brier_base, cal.table()
    assert sum(n for *_, n in cal.rows) == cal.states
    assert "observed p1 win rate" in cal.table()


def test_the_shipped_model_loads_and_reads_the_health_and_the_clock() -> None:
    model = winprob.load_default()
    assert model is not None
    assert Path(winprob.WEIGHTS_PATH).stat().st_size < 200_000
    game = new_game(("kaito", "kaito"), banner_ticks=120)
    even = model.p1_win(game)
    assert 0.3 < even < 0.7
    game.p2.health = 150
    game.timer = 600  # ten seconds left
    ahead = model.p1_win(game)
    game.p1.health, game.p2.health = 150, 1000
    behind = model.p1_win(game)
    assert ahead > 0.85 and behind < 0.15
    game.p1.health = 0
    run(game, "noop", "noop")  # one round each is not decided yet: p2 leads 1-0
    assert model.p1_win(game) < even


def test_a_decided_match_is_certain() -> None:
    model = winprob.load_default()
    assert model is not None
    game = Game(("kaito", "brick"), max_rounds=1, banner_ticks=0)
    game.p2.health = 0
    game.step(0, 0)
    assert game.winner == "p1" and model.p1_win(game) == 1.0


def test_without_weights_there_is_no_model(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(winprob, "WEIGHTS_PATH", tmp_path / "missing.safetensors")
    assert winprob.load_default() is None
    (tmp_path / "broken.safetensors").write_bytes(b"not a safetensors file")
    monkeypatch.setattr(winprob, "WEIGHTS_PATH", tmp_path / "broken.safetensors")
    assert winprob.load_default() is None


def test_the_calibrate_command_prints_the_bucket_table(capsys) -> None:
    assert winprob.main(["calibrate", "--matches", "3"]) == 0
    out = capsys.readouterr().out
    assert "| predicted p1 win |" in out and "Brier score" in out and "3 held-out matches" in out


def test_the_train_command_writes_weights_it_can_load(tmp_path) -> None:
    out = tmp_path / "w.safetensors"
    assert winprob.main(["train", "--matches", "6", "--out", str(out)]) == 0
    model = winprob.load(out)
    assert model.meta["matches"] == "6"
    assert 0 <= model.p1_win(Game()) <= 1


def test_it_rejects_a_records_file_that_is_not_there(tmp_path) -> None:
    with pytest.raises(SystemExit):
        winprob.main(["train", "--records", str(tmp_path / "nope.jsonl")])


def test_mirroring_swaps_the_players() -> None:
    game = Game(("vixen", "volt"))
    game.p1.health = 300
    x = winprob.features(game)
    m = winprob.mirrored(x)
    assert m[0] == 1.0 and m[1] == pytest.approx(0.3)
    assert np.array_equal(winprob.mirrored(m), x)
