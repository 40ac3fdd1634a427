import numpy as np
import torch

from tournaments.agents import load_agent, save_agent

from .helpers import OBS_DIM, tiny_lstm, tiny_mlp


def _outputs(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        out = model(x)
    return out[0] if isinstance(out, tuple) else out


def test_a_saved_mlp_folder_loads_with_equal_outputs(tmp_path):
    model, config = tiny_mlp()
    save_agent(tmp_path / "agent", model, config)
    agent = load_agent(tmp_path / "agent")
    x = torch.randn(8, OBS_DIM)
    assert torch.equal(_outputs(model, x), _outputs(agent.model, x))
    assert agent.architecture == "mlp_q" and agent.frame_skip == 4


def test_a_saved_lstm_zip_loads_with_equal_outputs(tmp_path):
    model, config = tiny_lstm()
    save_agent(tmp_path / "agent.zip", model, config)
    agent = load_agent(tmp_path / "agent.zip")
    x = torch.randn(3, 7, OBS_DIM)
    assert torch.equal(_outputs(model, x), _outputs(agent.model, x))


def test_the_recurrent_agent_steps_like_the_whole_sequence(tmp_path):
    model, config = tiny_lstm(seed=3)
    save_agent(tmp_path / "a", model, config)
    agent = load_agent(tmp_path / "a")
    seq = torch.randn(1, 10, OBS_DIM)
    expected = _outputs(model, seq)[0].argmax(-1).tolist()
    stepped = [agent.act(seq[0, t].numpy()) for t in range(10)]
    assert stepped == expected
    agent.reset()
    assert agent.act(seq[0, 0].numpy()) == expected[0]


def test_the_agent_picks_the_best_q_value(tmp_path):
    model, config = tiny_mlp(seed=5)
    save_agent(tmp_path / "a", model, config)
    agent = load_agent(tmp_path / "a")
    obs = np.random.default_rng(0).normal(size=OBS_DIM).astype(np.float32)
    with torch.inference_mode():
        best = int(model(torch.from_numpy(obs)[None])[0].argmax())
    assert agent.act(obs) == best


def test_an_open_zip_upload_loads_like_the_file(tmp_path):
    model, config = tiny_mlp()
    save_agent(tmp_path / "a.zip", model, config)
    with open(tmp_path / "a.zip", "rb") as fh:
        agent = load_agent(fh)
    x = torch.randn(4, OBS_DIM)
    assert torch.equal(_outputs(model, x), _outputs(agent.model, x))
