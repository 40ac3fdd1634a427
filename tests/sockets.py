"""How a websocket ended a connection it refuses, for the consumers' tests."""

from __future__ import annotations


async def close_code(comm, timeout: float = 5) -> int | str:
    """The code a socket is closed with right after it was accepted.

    Every socket that refuses someone accepts and then closes with 4404, so the page can read why:
    a refused handshake reaches a browser as a bare 403. A refused handshake gives
    ``"refused (<code>)"`` and a socket that stays open ``"open"``, so a test comparing with 4404
    fails on either.
    """
    connected, code = await comm.connect()
    if not connected:
        return f"refused ({code})"
    try:
        first = await comm.receive_output(timeout=timeout)
    except TimeoutError:
        first = {}
    if first.get("type") != "websocket.close":
        await comm.disconnect()
        return "open"
    return first.get("code")
