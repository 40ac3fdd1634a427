"""The profile editor's endpoints hide another team's replays behind 404, as the README says."""

from __future__ import annotations

import json

import pytest

from tests.conftest import client_for


def post(client, url: str, body: dict):
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


@pytest.mark.parametrize("endpoint", ["preview", "save"])
def test_an_outsider_naming_another_teams_replay_gets_404(client, users, replay, endpoint):
    client = client_for(client, users["outsider"])
    indicator = {"kind": "kill", "replay": replay.pk, "frame": 0, "box": [0, 0, 8, 8]}
    body = {"team": users["other"].pk, "replay": replay.pk, "indicators": [indicator]}
    status, result = post(client, f"/profiles/new/{endpoint}", body)
    assert (status, result) == (404, {"error": "no such profile or replay"})
    body = {"team": users["other"].pk, "replay": replay.pk + 1000, "indicators": [indicator]}
    assert post(client, f"/profiles/new/{endpoint}", body)[0] == 404  # the same as a missing one


def test_a_member_naming_an_unfit_replay_of_their_own_still_gets_a_reason(client, users, replay):
    client = client_for(client, users["owner"])
    body = {"team": users["team"].pk, "replay": replay.pk, "indicators": []}
    status, result = post(client, "/profiles/new/preview", body)
    assert status == 400 and "indicator" in result["error"]
