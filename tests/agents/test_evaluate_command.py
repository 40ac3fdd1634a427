import torch

from tournaments.agents import make_config, save_agent
from tournaments.agents.evaluate import latency_stats, main
from tournaments.agents.registry import build_network


def _agent(tmp_path):
    torch.manual_seed(0)
    model = build_network("mlp_q", 70, 13, {"hidden": [16]})
    config = make_config(
        architecture="mlp_q", hyperparameters={"hidden": [16]}, obs_type="state",
        obs_shape=(70,), n_actions=13, frame_skip=4, characters=["kaito", "kaito"], algo="dqn",
    )  # fmt: skip
    return save_agent(tmp_path / "a.zip", model, config)


def test_it_prints_the_record_win_rate_and_latency(tmp_path, capsys):
    before = torch.get_num_threads()
    try:
        code = main(
            [str(_agent(tmp_path)), "--opponent", "random", "--games", "2", "--max-rounds", "1"]
        )
    finally:
        torch.set_num_threads(before)
    out = capsys.readouterr().out
    assert code == 0
    assert "games      2  (wins " in out and "win rate   " in out
    assert "decision   mean " in out and " p99 " in out


def test_a_bad_agent_file_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"nope")
    assert main([str(bad), "--games", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: bad.zip is not a zip file") and "\n" not in err


def test_latency_stats_are_in_milliseconds():
    stats = latency_stats([0.001, 0.002, 0.003])
    assert stats["mean_ms"] == 2.0 and stats["n"] == 3


def test_another_agent_file_can_be_the_opponent(tmp_path, capsys):
    before = torch.get_num_threads()
    agent = _agent(tmp_path)
    try:
        code = main([str(agent), "--opponent", str(agent), "--games", "2", "--max-rounds", "1"])
    finally:
        torch.set_num_threads(before)
    assert code == 0 and "games      2  (wins " in capsys.readouterr().out
