import io
import json
import pickle
import zipfile

import pytest
import torch
from safetensors.torch import save as st_save

from tournaments.agents import AgentFileError, agent_file, load_agent, save_agent
from tournaments.agents.agent_file import zip_bytes

from .helpers import tiny_mlp


def _members(tmp_path):
    model, config = tiny_mlp()
    save_agent(tmp_path / "good", model, config)
    return {
        "config.json": (tmp_path / "good" / "config.json").read_bytes(),
        "model.safetensors": (tmp_path / "good" / "model.safetensors").read_bytes(),
    }


def _write_zip(tmp_path, members, name="agent.zip"):
    path = tmp_path / name
    path.write_bytes(zip_bytes(members))
    return path


def test_it_rejects_a_pickle_in_place_of_the_weights(tmp_path):
    members = _members(tmp_path)
    buf = io.BytesIO()
    torch.save(tiny_mlp()[0].state_dict(), buf)  # a pickle-based checkpoint
    members["model.safetensors"] = buf.getvalue()
    with pytest.raises(AgentFileError, match="not a valid safetensors"):
        load_agent(_write_zip(tmp_path, members))


def test_it_never_unpickles_an_uploaded_pickle(tmp_path):
    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('unpickled!')",))

    members = _members(tmp_path)
    members["model.safetensors"] = pickle.dumps(Boom())
    with pytest.raises(AgentFileError):
        load_agent(_write_zip(tmp_path, members))


def test_it_rejects_an_unknown_architecture(tmp_path):
    members = _members(tmp_path)
    config = json.loads(members["config.json"])
    config["architecture"] = "transformer_xl"
    members["config.json"] = json.dumps(config).encode()
    with pytest.raises(AgentFileError, match="unknown architecture 'transformer_xl'"):
        load_agent(_write_zip(tmp_path, members))


def test_it_rejects_weights_whose_shape_does_not_match_the_config(tmp_path):
    members = _members(tmp_path)
    config = json.loads(members["config.json"])
    config["hyperparameters"]["hidden"] = [32, 16]
    members["config.json"] = json.dumps(config).encode()
    with pytest.raises(AgentFileError, match="shape mismatch for net.0.weight"):
        load_agent(_write_zip(tmp_path, members))


def test_it_rejects_weights_with_a_missing_tensor(tmp_path):
    members = _members(tmp_path)
    model, _ = tiny_mlp()
    tensors = {k: v for k, v in model.state_dict().items() if k != "net.4.bias"}
    members["model.safetensors"] = st_save(tensors)
    with pytest.raises(AgentFileError, match="missing tensor"):
        load_agent(_write_zip(tmp_path, members))


@pytest.mark.parametrize(
    "name", ["../config.json", "/etc/config.json", "sub/config.json", "evil.py"]
)
def test_it_rejects_a_zip_member_outside_the_allowed_names(tmp_path, name):
    members = _members(tmp_path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
        zf.writestr(name, b"{}")
    path = tmp_path / "agent.zip"
    path.write_bytes(buf.getvalue())
    with pytest.raises(AgentFileError, match="unexpected zip member"):
        load_agent(path)


def test_it_rejects_a_zip_without_weights(tmp_path):
    members = _members(tmp_path)
    del members["model.safetensors"]
    with pytest.raises(AgentFileError, match="missing model.safetensors"):
        load_agent(_write_zip(tmp_path, members))


def test_it_rejects_a_file_that_is_not_a_zip(tmp_path):
    path = tmp_path / "agent.zip"
    path.write_bytes(b"definitely not a zip")
    with pytest.raises(AgentFileError, match="is not a zip file"):
        load_agent(path)


def test_it_rejects_a_config_that_is_not_json(tmp_path):
    members = _members(tmp_path)
    members["config.json"] = b"{nope"
    with pytest.raises(AgentFileError, match="not valid JSON"):
        load_agent(_write_zip(tmp_path, members))


def test_it_rejects_a_missing_path(tmp_path):
    with pytest.raises(AgentFileError, match="no agent folder or zip"):
        load_agent(tmp_path / "nothing-here")


def test_save_refuses_a_config_that_does_not_describe_the_model(tmp_path):
    model, config = tiny_mlp()
    config["n_actions"] = 7
    with pytest.raises(AgentFileError, match="shape mismatch"):
        save_agent(tmp_path / "a", model, config)


def test_it_rejects_an_oversized_member_before_inflating_it(tmp_path, monkeypatch):
    path = _write_zip(tmp_path, _members(tmp_path))
    monkeypatch.setitem(agent_file.MAX_MEMBER_BYTES, "model.safetensors", 100)
    with pytest.raises(AgentFileError, match="model.safetensors is larger than the 100 bytes"):
        load_agent(path)


def test_it_rejects_an_oversized_zip(tmp_path, monkeypatch):
    path = _write_zip(tmp_path, _members(tmp_path))
    monkeypatch.setattr(agent_file, "MAX_ZIP_BYTES", 64)
    with pytest.raises(AgentFileError, match="zip is larger than the 64 bytes allowed"):
        load_agent(path)
