"""The websocket channel layer on a real Redis: an idle connection must not time out."""

from __future__ import annotations

import asyncio

import pytest
from channels_redis.core import RedisChannelLayer
from django.conf import settings

from coach.management.commands.serve import EmbeddedRedis

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_url(tmp_path):
    redis = EmbeddedRedis(tmp_path / "redis.sock")
    proc = redis.start()
    yield f"unix://{tmp_path}/redis.sock?db=0"
    proc.terminate()
    proc.wait()


async def test_an_idle_channel_waits_longer_than_the_blocking_read(redis_url):
    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    hosts = [{**host, "address": redis_url} for host in config["hosts"]]
    layer = RedisChannelLayer(hosts=hosts)
    channel = await layer.new_channel()
    with pytest.raises(asyncio.TimeoutError):  # nothing arrives, and nothing breaks
        await asyncio.wait_for(layer.receive(channel), timeout=6.5)
    await layer.send(channel, {"type": "ping"})
    assert await asyncio.wait_for(layer.receive(channel), timeout=2) == {"type": "ping"}
    await layer.flush()
