"""The media storage goes down: pages and files that need it say so with a 503, never a 500."""

from __future__ import annotations

from tests.replays.test_s3_media import (  # noqa: F401 - fixtures
    PREFIX,
    bucket,
    free_port,
    machine,
    match,
    moto_server,
    processed,
    use_bucket,
)


def test_a_storage_outage_gives_a_503_with_the_reason_and_the_pages_work_again_after(
    processed, client, users, settings, tmp_path
):
    replay, s3 = processed
    machine(settings, tmp_path, "web-d")  # a web node with nothing in its working copy
    client.force_login(users["coach"])
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there: connections are refused
    use_bucket(settings, f"s3://{s3.name}/{PREFIX}?endpoint_url={dead}&region=us-east-1")
    for url in (f"/replays/{replay.pk}/thumbnail", f"/replays/{replay.pk}/frames.json?compact=1"):
        response = client.get(url)
        assert response.status_code == 503, (url, response.status_code)
        assert response["Retry-After"] == "30"
        assert "media storage cannot be reached" in response.content.decode()
    assert client.get(f"/replays/{replay.pk}/frames.json").json()["error"].startswith("The media")
    use_bucket(settings, f"s3://{s3.name}/{PREFIX}?endpoint_url={s3.endpoint}&region=us-east-1")
    assert client.get(f"/replays/{replay.pk}/thumbnail").status_code == 302  # back: served again
    assert client.get(f"/replays/{replay.pk}/frames.json?compact=1").status_code == 200
