"""Uploading agents (never unpickling), their evaluation record, training curve and ownership."""

from __future__ import annotations

import io
import pickle
import zipfile

import pytest

from tournaments.models import Agent, Match
from tournaments.services import AgentUploadError, agent_upload


def test_an_uploaded_agent_is_evaluated_against_every_built_in_opponent(agent):
    assert agent.state == "ready", agent.failure_reason
    assert (agent.architecture, agent.obs_type, agent.frame_skip) == ("mlp_q", "state", 4)
    matches = Match.objects.filter(kind="evaluation")
    labels = sorted({m.p2_label if m.p1_agent == agent else m.p1_label for m in matches})
    assert labels == ["cpu_easy", "cpu_hard", "cpu_medium", "random"]
    record = agent.record()
    assert sum(record.values()) == 4
    for match in matches:
        assert match.winner in ("p1", "p2", "draw") and match.ticks > 0
    # A mirror match on the agent's own character (its config asks kaito against brick), so
    # no config buys a record against a weaker fighter.
    assert {tuple(m.characters) for m in matches} == {("kaito", "kaito")}


def test_the_agent_page_names_each_winner_and_links_each_match(client, agent, users):
    client.force_login(users["owner"])
    page = client.get(f"/arena/agents/{agent.pk}/").content.decode()
    for match in Match.objects.filter(kind="evaluation"):
        winner = {"p1": match.p1_label, "p2": match.p2_label, "draw": "draw"}[match.winner]
        row = page.split(f'href="/matches/{match.pk}/"')[0].rsplit("<tr>", 1)[1]
        assert f"<td>{winner}</td>" in row and ">p1<" not in row and ">p2<" not in row


def test_evaluating_again_replaces_the_earlier_matches(agent):
    from tournaments.services import agent_evaluate

    agent_evaluate(agent_id=str(agent.pk), games=1)
    assert Match.objects.filter(kind="evaluation").count() == 4


def test_an_evaluation_stopped_by_an_error_without_a_message_still_says_why(
    agent, client, users, monkeypatch
):
    from tournaments import services

    def fails(*args, **kwargs):
        raise RuntimeError()  # an exception that says nothing

    monkeypatch.setattr(services, "run_match", fails)
    services.agent_evaluate(agent_id=str(agent.pk), games=1)
    agent.refresh_from_db()
    assert agent.state == agent.FAILED
    assert agent.failure_reason == "evaluation stopped: an unexplained error"
    client.force_login(users["owner"])
    page = client.get(f"/arena/agents/{agent.pk}/").content.decode()
    assert "evaluation stopped: an unexplained error" in page


def zipped(files: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    buf.seek(0)
    return buf


@pytest.mark.parametrize(
    "files,message",
    [
        ({"config.json": b"{}", "model.safetensors": pickle.dumps({"w": 1})}, ""),
        ({"model.pt": pickle.dumps({"w": 1})}, ""),
        ({"../../evil.json": b"{}"}, ""),
    ],
)
def test_it_refuses_files_that_are_not_agents(users, media_root, files, message):
    with pytest.raises(AgentUploadError):
        agent_upload(team=users["team"], owner=users["owner"], name="Bad", upload=zipped(files))
    assert not Agent.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "cpu_hard",
        "CPU Hard",
        "Copycat",
        "copy-cat",
        "RANDOM",
        # Read as a team's name is (NFKC): full width, mathematical letters, a ligature.
        "\uff23\uff30\uff35 \uff48\uff41\uff52\uff44",  # ＣＰＵ ｈａｒｄ
        "\U0001d41c\U0001d429\U0001d42e_\U0001d41e\U0001d41a\U0001d42c\U0001d432",  # 𝐜𝐩𝐮_𝐞𝐚𝐬𝐲
        "\uff23\uff4f\uff50\uff59\uff0d\uff43\uff41\uff54",  # Ｃｏｐｙ－ｃａｔ
    ],
)
def test_a_house_opponents_name_is_refused(users, media_root, agent_file, name):
    with agent_file.open("rb") as fh, pytest.raises(AgentUploadError, match="house opponent"):
        agent_upload(team=users["team"], owner=users["owner"], name=name, upload=fh)
    with agent_file.open("rb") as fh, pytest.raises(AgentUploadError, match="at most 100"):
        agent_upload(team=users["team"], owner=users["owner"], name="x" * 101, upload=fh)
    assert not Agent.objects.exists()


def test_a_pixel_agent_is_told_the_site_plays_state_agents_first(users, media_root, agent_file):
    """A helper's pixel agent (whose weights did not match the state MLP it was packed with) got
    "shape mismatch … config implies (256, 14336)" instead of the rule it broke."""
    import json

    with zipfile.ZipFile(agent_file) as packed:
        files = {name: packed.read(name) for name in packed.namelist()}

    config = json.loads(files["config.json"])
    config["obs"] = {"type": "pixels", "shape": [3, 84, 84]}
    files["config.json"] = json.dumps(config).encode()
    with pytest.raises(AgentUploadError, match=r"only agents that observe the state vector"):
        agent_upload(team=users["team"], owner=users["owner"], name="Pix", upload=zipped(files))


def test_it_refuses_a_second_agent_of_the_same_name(agent, agent_file, users):
    with agent_file.open("rb") as fh, pytest.raises(AgentUploadError, match="already has an agent"):
        agent_upload(team=users["team"], owner=users["coach"], name="Rookie", upload=fh)


VIEWS = [
    ("get", "/arena/agents/{pk}/"),
    ("get", "/arena/agents/{pk}/download"),
    ("get", "/arena/agents/{pk}/play"),
    ("post", "/arena/agents/{pk}/delete"),
]


@pytest.mark.parametrize("method,url", VIEWS)
def test_it_validates_agent_ownership(client, agent, users, method, url):
    client.force_login(users["outsider"])
    assert getattr(client, method)(url.format(pk=agent.pk)).status_code == 404
    assert Agent.objects.filter(pk=agent.pk).exists()


@pytest.mark.parametrize("method,url", VIEWS)
def test_the_team_can_use_its_agent(client, agent, users, method, url):
    client.force_login(users["coach"])
    assert getattr(client, method)(url.format(pk=agent.pk)).status_code in (200, 302)


def test_the_list_shows_only_the_users_teams_agents(client, agent, users):
    client.force_login(users["outsider"])
    assert b"Rookie" not in client.get("/arena/agents/").content
    client.force_login(users["owner"])
    assert b"Rookie" in client.get("/arena/agents/").content


def test_the_agent_page_shows_record_and_training_curve(client, agent, users):
    client.force_login(users["owner"])
    page = client.get(f"/arena/agents/{agent.pk}/").content.decode()
    assert 'id="curve-data"' in page and "win_rate" in page
    record = agent.record()
    assert f'<b class="kill">{record["wins"]}</b> wins' in page


def test_uploading_through_the_page_reports_problems(client, users, media_root):
    client.force_login(users["owner"])
    bad = io.BytesIO(b"not a zip")
    bad.name = "agent.zip"
    typed = {"team": users["team"].pk, "name": "Keep me", "description": "notes I wrote"}
    response = client.post("/arena/agents/upload", {**typed, "file": bad})
    assert response.status_code == 400 and b"Agent not accepted" in response.content
    assert not Agent.objects.exists()
    # The form comes back as it was typed (only the file must be chosen again).
    page = response.content.decode()
    assert 'value="Keep me"' in page and 'value="notes I wrote"' in page
    assert f'<option value="{users["team"].pk}" selected>' in page


def test_downloaded_agents_load_again(client, agent, users):
    from tournaments.agents.agent_file import load_agent

    client.force_login(users["owner"])
    data = client.get(f"/arena/agents/{agent.pk}/download").content
    assert load_agent(io.BytesIO(data)).architecture == "mlp_q"


def test_an_odd_team_id_gets_a_message(client, users, agent_file):
    client.force_login(users["owner"])
    with agent_file.open("rb") as fh:
        response = client.post(
            "/arena/agents/upload", {"team": "abc", "name": "x", "file": fh}, follow=True
        )
    assert response.status_code == 400
    assert b"Choose one of your teams" in response.content


def test_a_behaviour_cloning_curve_shows_its_agreement(agent):
    from tournaments.views import _curve_figure

    rows = [{"step": "150", "loss": "0.5", "train_agreement": "0.7", "heldout_agreement": "0.6"}]
    names = [trace["name"] for trace in _curve_figure(rows)["data"]]
    assert names == ["heldout_agreement", "train_agreement", "loss"]


def test_a_user_in_no_team_is_told_so_instead_of_a_form_that_fails(client, django_user_model):
    loner = django_user_model.objects.create_user("loner", password="pw-loner-1")
    client.force_login(loner)
    page = client.get("/arena/agents/").content.decode()
    assert "You are not in a team yet" in page and 'name="file"' not in page


def test_the_upload_address_opened_with_get_leads_back_to_the_agents_page(client, users):
    """A refused upload comes back at /arena/agents/upload; opening that address again (the
    address bar, a restored tab) gave the browser's blank 405 page."""
    client.force_login(users["owner"])
    response = client.get("/arena/agents/upload")
    assert response.status_code == 302 and response["Location"] == "/arena/agents/"
    assert client.put("/arena/agents/upload").status_code == 405
    assert not Agent.objects.exists()
