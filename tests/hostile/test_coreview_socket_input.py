"""The co-review websocket answers junk (even JSON nested past Python's recursion) and stays up."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


async def test_non_object_messages_get_an_error_and_the_socket_stays_usable(
    users, replay, in_memory_layer
):
    from coach.asgi import application

    comm = WebsocketCommunicator(
        application, f"/ws/coreview/{replay.pk}/", headers=[(b"origin", b"http://localhost")]
    )
    comm.scope["user"] = users["coach"]
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from(timeout=5))["type"] == "hello"
    for junk in ("[1]", '"x"', "null", "[" * 100_000 + "]" * 100_000, "{"):
        await comm.send_to(text_data=junk)
        reply = await comm.receive_json_from(timeout=5)
        assert reply == {"type": "error", "message": 'messages are JSON objects with a "type"'}
    await comm.send_json_to({"type": "start"})
    assert (await comm.receive_json_from(timeout=5))["type"] == "session"
    await comm.disconnect()
