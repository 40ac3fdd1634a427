"""Refuses an upload past its size limit while it arrives, before Django spools it.

Django's ASGI handler reads a request's whole body into a temporary file before any view runs,
so a view's own size check comes after the server has stored everything that was sent. This
middleware sits in front of it: a declared ``Content-Length`` over the limit is answered 413 at
once, without reading the body; a body that turns out longer than the limit (chunked, or a
lying header) is answered 413 as soon as it passes it, and Django sees a disconnect and stops.
Only the routes in ``limits`` are checked; the chunked replay upload has its own per-chunk rule.

Daphne (Twisted underneath) itself buffers a whole body before it calls the application, so in
the Daphne process the same limits are also applied one step earlier, as the bytes come off the
socket (:func:`install_in_daphne`): the 413 goes out and the connection closes there.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

# Multipart framing and the form's other fields around the file.
FORM_OVERHEAD = 64 * 1024


Rule = tuple[int, str, str]
"""(bytes allowed, what the page says, the address of the form to go back to)."""


def too_large_page(rule: Rule) -> bytes:
    """The site's page for a refused upload: the reason and a way back to the form (made
    without the request, which is never read: the top bar shows no account)."""
    try:
        from django.template.loader import render_to_string

        text = render_to_string("413.html", {"message": rule[1], "back": rule[2], "bare": True})
    except Exception:  # noqa: BLE001 - the refusal itself must never fail
        text = (
            f"<!doctype html><title>Too large</title><p>{html.escape(rule[1])} Nothing was "
            f"stored.</p><p><a href='{html.escape(rule[2])}'>Back to the form</a></p>"
        )
    return text.encode()


class BodyLimit:
    """ASGI middleware: ``limits`` maps a path to its :data:`Rule`."""

    def __init__(self, app, limits: Callable[[], Mapping[str, Rule]]) -> None:
        self.app = app
        self._limits_factory = limits
        self._limits: Mapping[str, Rule] | None = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self._limits is None:  # built on the first request, once URLs can be reversed
            self._limits = self._limits_factory()
        rule = self._limits.get(scope["path"])
        if rule is None:
            return await self.app(scope, receive, send)
        limit = rule[0] + FORM_OVERHEAD
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            return await _too_large(send, rule)
        seen = 0
        refused = False

        async def counted_receive():
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            event = await receive()
            if event["type"] == "http.request":
                seen += len(event.get("body", b""))
                if seen > limit:
                    refused = True
                    await _too_large(send, rule)
                    return {"type": "http.disconnect"}  # Django stops reading and answers nothing
            return event

        return await self.app(scope, counted_receive, send)


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send, rule: Rule) -> None:
    body = too_large_page(rule)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def upload_limits() -> dict[str, Rule]:
    """The site's form uploads and their limits (the views check the file size again)."""
    from django.urls import reverse

    from replays.profiles.views import MAX_IMPORT_BYTES
    from tournaments.views import MAX_AGENT_UPLOAD

    return {
        reverse("profiles:import"): (
            MAX_IMPORT_BYTES,
            "The profile file is larger than 50 MB.",
            reverse("profiles:import"),
        ),
        reverse("tournaments:agent-upload"): (
            MAX_AGENT_UPLOAD,
            "That file is larger than 64 MB: it is not an agent of ours.",
            reverse("tournaments:agents"),
        ),
    }


def install_in_daphne(limits: Callable[[], Mapping[str, Rule]]) -> None:
    """Applies the limits in Daphne's HTTP request, before Twisted buffers the body.

    Twisted calls ``gotLength`` once the headers are in (the length, or None when chunked) and
    ``handleContentChunk`` for every piece of body; a request over its limit is answered 413 on
    the socket and the connection closed, so nothing more is read. The path comes from the
    channel (Twisted parses it before the headers; the request gets it only at the end).
    """
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:  # another ASGI server: BodyLimit alone does the job
        return
    if getattr(WebRequest, "_filmroom_limits", False):
        return
    got_length, content_chunk = WebRequest.gotLength, WebRequest.handleContentChunk
    table: dict = {}

    def rule_for(request) -> Rule | None:
        if not table:
            table.update(limits())
        raw = getattr(request.channel, "_path", b"") or b""
        return table.get(raw.split(b"?")[0].decode("latin-1"))

    def refuse(request, rule: Rule) -> None:
        request._filmroom_refused = True
        body = too_large_page(rule)
        head = (
            "HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        request.channel.transport.write(head + body)
        request.channel.transport.loseConnection()

    def gotLength(self, length):
        rule = rule_for(self)
        self._filmroom_rule, self._filmroom_seen = rule, 0
        if rule is not None and length is not None and length > rule[0] + FORM_OVERHEAD:
            got_length(self, 0)  # a buffer for nothing: the connection is closing
            return refuse(self, rule)
        return got_length(self, length)

    def handleContentChunk(self, data):
        if getattr(self, "_filmroom_refused", False):
            return None
        rule = getattr(self, "_filmroom_rule", None)
        if rule is not None:
            self._filmroom_seen += len(data)
            if self._filmroom_seen > rule[0] + FORM_OVERHEAD:
                return refuse(self, rule)
        return content_chunk(self, data)

    WebRequest.gotLength, WebRequest.handleContentChunk = gotLength, handleContentChunk
    WebRequest._filmroom_limits = True
