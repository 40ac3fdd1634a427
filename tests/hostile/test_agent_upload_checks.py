"""Agent uploads are checked against their config before anything is built, and built in the
worker: a config that asks for a huge network, the wrong sizes, or weights that only look right.
"""

from __future__ import annotations

import json
import time

import pytest
from safetensors.torch import save as save_tensors

from tests.conftest import client_for
from tournaments.agents.agent_file import (
    MAX_PARAMETERS,
    AgentFileError,
    inspect_agent,
    make_config,
    zip_bytes,
)
from tournaments.agents.registry import build_network
from tournaments.arena import N_ACTIONS, OBS_SIZE
from tournaments.models import Agent


def config(obs: int = OBS_SIZE, actions: int = N_ACTIONS, hidden=(8,)) -> dict:
    return make_config(
        architecture="mlp_q",
        hyperparameters={"hidden": list(hidden)},
        obs_type="state",
        obs_shape=(obs,),
        n_actions=actions,
        frame_skip=4,
        characters=["kaito"],
        algo="dqn",
    )


def weights(obs: int = OBS_SIZE, actions: int = N_ACTIONS, hidden=(8,)) -> bytes:
    model = build_network("mlp_q", obs, actions, {"hidden": list(hidden)})
    return save_tensors({k: v.contiguous() for k, v in model.state_dict().items()})


def files(cfg: dict, data: bytes) -> dict[str, bytes]:
    return {"config.json": json.dumps(cfg).encode(), "model.safetensors": data}


def upload(client, users, content: bytes, name="Hostile"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("a.zip", content, content_type="application/zip")
    return client.post(
        "/arena/agents/upload", {"team": users["team"].pk, "name": name, "file": file}, follow=True
    )


def test_a_config_asking_for_a_huge_network_is_refused_before_anything_is_built():
    # Linear(1_000_000, 4096) alone would need ~16 GB: checked on a skeleton, in milliseconds.
    start = time.perf_counter()
    with pytest.raises(AgentFileError, match=f"at most {MAX_PARAMETERS:,} are accepted"):
        inspect_agent(files(config(obs=1_000_000, hidden=(4096,)), weights()))
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize(
    ("cfg", "data", "reason"),
    [
        (config(obs=7), weights(obs=7), f"the arena's state vector is [{OBS_SIZE}]"),
        (config(actions=3), weights(actions=3), f"the arena has {N_ACTIONS} actions"),
        (config(), weights(hidden=(9,)), "shape mismatch for net.0.weight"),
        (config(), b"\xff" * 8 + b"{}", "not a valid safetensors file"),
    ],
    ids=["obs size", "action count", "shapes", "header"],
)
def test_the_request_refuses_what_does_not_fit_the_arena(
    client, users, media_root, cfg, data, reason
):
    page = upload(client_for(client, users["owner"]), users, zip_bytes(files(cfg, data)))
    assert reason in page.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert not Agent.objects.exists()


def test_weights_that_only_look_right_are_failed_by_the_worker_with_a_reason(
    client, users, sync_jobs
):
    good = weights()
    header_len = int.from_bytes(good[:8], "little")
    truncated = good[: 8 + header_len + 16]  # the header promises tensors that are not there
    inspect_agent(files(config(), truncated))  # the header alone looks right
    page = upload(client_for(client, users["owner"]), users, zip_bytes(files(config(), truncated)))
    assert page.status_code == 200
    agent = Agent.objects.get()
    assert agent.state == Agent.FAILED
    assert agent.failure_reason.startswith("not accepted: model.safetensors is not a valid")
    detail = client.get(agent.get_absolute_url()).content.decode()
    assert "not valid" in detail.replace("&#x27;", "'") or "not a valid" in detail


def test_a_good_upload_is_stored_as_checking_and_the_worker_moves_it_on(client, users, media_root):
    """No cluster runs here: the queued check waits, and the row says "checking"."""
    from tournaments.services import agent_check

    page = upload(client_for(client, users["owner"]), users, zip_bytes(files(config(), weights())))
    assert "being checked" in page.content.decode()
    agent = Agent.objects.get()
    assert agent.state == Agent.CHECKING  # nothing built in the request
    assert agent_check(agent) and agent.state == Agent.EVALUATING
