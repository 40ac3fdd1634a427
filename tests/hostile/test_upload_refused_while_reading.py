"""Form uploads past their limit are refused while they arrive, not after Django spooled them.

Driven through the site's own ASGI application (what Daphne serves), message by message.
"""

from __future__ import annotations

import pytest
from channels.testing import ApplicationCommunicator

from coach.body_limits import FORM_OVERHEAD

MB = 2**20


def scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    return {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }


@pytest.mark.parametrize(
    ("path", "limit", "says", "back"),
    [
        ("/profiles/import/", 50 * MB, "larger than 50 MB", "/profiles/import/"),
        ("/arena/agents/upload", 64 * MB, "larger than 64 MB", "/arena/agents/"),
    ],
)
async def test_a_declared_length_past_the_limit_is_refused_before_the_body_is_read(
    path, limit, says, back
):
    from coach.asgi import application

    length = str(limit + FORM_OVERHEAD + 1).encode()
    comm = ApplicationCommunicator(application, scope(path, [(b"content-length", length)]))
    start = await comm.receive_output(timeout=5)  # no body was sent at all
    assert start["status"] == 413
    body = await comm.receive_output(timeout=5)
    assert says in body["body"].decode() and "Nothing was stored" in body["body"].decode()
    # The site's own page (a helper saw bare text and no way back), with the form's address.
    assert "/static/css/site.css" in body["body"].decode()
    assert f'href="{back}">Back to the form' in body["body"].decode()


async def test_a_chunked_body_is_cut_off_as_soon_as_it_passes_the_limit(transactional_db):
    from coach.asgi import application

    comm = ApplicationCommunicator(application, scope("/profiles/import/", []))
    chunks = 60  # 60 MB offered, 50 MB allowed
    for _ in range(chunks):
        await comm.send_input({"type": "http.request", "body": b"x" * MB, "more_body": True})
    start = await comm.receive_output(timeout=20)
    assert start["status"] == 413
    assert "larger than 50 MB" in (await comm.receive_output(timeout=5))["body"].decode()
    await comm.wait(timeout=5)  # Django saw a disconnect and answered nothing more
    assert comm.input_queue.qsize() >= chunks - 52  # the rest was never read


async def test_a_body_within_the_limit_reaches_the_view(transactional_db):
    from coach.asgi import application

    comm = ApplicationCommunicator(
        application, scope("/profiles/import/", [(b"content-length", b"5")])
    )
    await comm.send_input({"type": "http.request", "body": b"a=b&c", "more_body": False})
    start = await comm.receive_output(timeout=10)
    assert start["status"] in (302, 403)  # anonymous: the login redirect (or CSRF), not 413


def _post_head(port: int, extra: str):
    import socket

    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    head = (
        "POST /profiles/import/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary=x\r\n{extra}\r\n"
    )
    sock.sendall(head.encode())
    return sock


def test_daphne_refuses_before_it_buffers_the_body(tmp_path):
    """The served site: Twisted would buffer the whole body before calling the application."""

    from tests.livesite import Site

    site = Site(tmp_path / "var")
    site.manage("migrate", "--noinput", "-v", "0")
    site.start()
    try:
        sock = _post_head(site.port, f"Content-Length: {200 * MB}\r\n")  # and no body at all
        assert sock.recv(100).startswith(b"HTTP/1.1 413")
        sock.close()
        sock = _post_head(site.port, "Transfer-Encoding: chunked\r\n")
        sock.settimeout(0.02)
        sent, reply = 0, b""
        while not reply and sent < 80 * MB:
            try:
                sock.sendall(b"100000\r\n" + b"x" * MB + b"\r\n")
                sent += MB
                reply = sock.recv(100)
            except TimeoutError:
                continue
            except OSError:  # the server closed the connection after answering
                break
        sock.settimeout(20)
        reply = reply or sock.recv(100)
        assert reply.startswith(b"HTTP/1.1 413") and sent <= 56 * MB, sent / MB
    finally:
        site.stop()
