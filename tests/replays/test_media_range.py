"""Video responses answer HTTP Range requests, so the browser can seek."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync


def body(response) -> bytes:
    assert response.is_async  # streamed by Daphne, never read whole into memory

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(collect)()


@pytest.fixture
def video(client, replay, users):
    client.force_login(users["owner"])
    return replay.path.read_bytes(), f"/replays/{replay.pk}/video"


def test_it_sends_the_whole_file_without_a_range(client, video):
    data, url = video
    response = client.get(url)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert body(response) == data


@pytest.mark.parametrize(
    "header,start,end",
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, None),
        ("bytes=-500", -500, None),
        ("bytes=1000-999999999", 1000, None),
    ],
)
def test_it_answers_a_range_with_206(client, video, header, start, end):
    data, url = video
    response = client.get(url, headers={"Range": header})
    expected = data[start : None if end is None else end + 1]
    assert response.status_code == 206
    assert body(response) == expected
    first = start if start >= 0 else len(data) + start
    assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    assert response["Content-Length"] == str(len(expected))


def test_it_answers_an_unsatisfiable_range_with_416(client, video):
    data, url = video
    response = client.get(url, headers={"Range": f"bytes={len(data) + 10}-"})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"


def test_it_ignores_a_malformed_range(client, video):
    data, url = video
    response = client.get(url, headers={"Range": "lines=1-2"})
    assert response.status_code == 200
    assert body(response) == data
