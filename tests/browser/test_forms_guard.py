"""A form marked data-guard asks before the page is left with its text changed, and its own
submission is excused only while it is really leaving: when the answer is a download (the page
stays), a later link away asks again. Text typed back to what it was is no change: leaving then
does not ask.

No page of the site has a guarded form that downloads yet, so a small server here answers like
one: it serves the site's own static/js/forms.js (read from the checkout at each request) in a
page with a guarded export form, and the export answers ``Content-Disposition: attachment``.
"""

from __future__ import annotations

import http.server
import threading
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser]

FORMS_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "forms.js"

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Notes</title></head>
<body>
<iframe name="export-sink" hidden></iframe>
<form method="post" action="/export" id="note-form" data-guard {target}>
  <input name="title" value="Week 3">
  <select name="kind"><option>clip</option><option>moment</option></select>
  <label><input type="checkbox" name="shared" checked> shared</label>
  <textarea name="note"></textarea>
  <button type="submit" name="action" value="export">Export</button>
  <button type="submit" name="action" value="save" formaction="/save"
          formtarget="_self">Save</button>
</form>
<a href="/elsewhere" id="away">Another page</a>
<script src="/forms.js"></script>
</body></html>"""


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict) -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/forms.js":
            self._send(200, FORMS_JS.read_bytes(), {"Content-Type": "text/javascript"})
        elif self.path.startswith("/notes"):
            target = 'target="export-sink"' if "frame" in self.path else ""
            page = PAGE.format(target=target).encode()
            self._send(200, page, {"Content-Type": "text/html"})
        else:
            self._send(200, b"<p>another page</p>", {"Content-Type": "text/html"})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/save":
            time.sleep(3)  # slower than the 2 s a sent form is excused for without an unload
            self._send(303, b"", {"Location": "/saved"})
            return
        self._send(
            200,
            b"the note, exported",
            {
                "Content-Type": "text/plain",
                "Content-Disposition": 'attachment; filename="note.txt"',
            },
        )


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def tab(browser):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("pageerror", lambda e: print(f"[pageerror] {e}"))
    yield page
    context.close()


@pytest.mark.parametrize(
    "where",
    [
        "here",  # the form's own window: its navigation turns into a download
        "frame",  # an export sent into a hidden frame: this page never starts to unload
    ],
)
def test_after_an_export_that_downloads_leaving_still_asks(server, tab, where):
    asked: list[str] = []
    tab.on("dialog", lambda d: (asked.append(d.type), d.dismiss()))
    tab.goto(f"{server}/notes?{where}")
    tab.fill("#note-form textarea", "half a thought")
    with tab.expect_download() as download:
        tab.click("#note-form button[value=export]")
    assert download.value.suggested_filename == "note.txt"
    assert asked == []  # its own export is not asked about
    tab.wait_for_timeout(300)  # well inside the 2 s after a submission

    # The page is still there, the text unsaved: a link away asks, and "Stay" keeps the text.
    tab.click("#away", no_wait_after=True)
    tab.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert tab.url.startswith(f"{server}/notes")
    assert tab.input_value("#note-form textarea") == "half a thought"

    # Edited again after the export: still asks.
    tab.type("#note-form textarea", ", and more")
    tab.click("#away", no_wait_after=True)
    tab.wait_for_timeout(500)
    assert asked == ["beforeunload", "beforeunload"]


def test_a_save_that_answers_slowly_is_not_asked_about(server, tab):
    """The excuse of a submission ends 2 s after it only when no unload came: a save whose
    answer takes 3 s started unloading at once, so the page does not ask about itself."""
    asked: list[str] = []
    tab.on("dialog", lambda d: (asked.append(d.type), d.dismiss()))
    tab.goto(f"{server}/notes?frame")
    tab.fill("#note-form textarea", "the whole thought")
    tab.click("#note-form button[value=save]")
    tab.wait_for_url(f"{server}/saved")
    assert asked == []


def test_a_form_edited_back_to_what_it_was_lets_the_page_go_without_asking(server, tab):
    """The guard asked "leave page?" once a field had been touched, even with the text typed
    back to what it was. It compares with what the page was loaded with now."""
    asked: list[str] = []
    tab.on("dialog", lambda d: (asked.append(d.type), d.dismiss()))
    tab.goto(f"{server}/notes")
    tab.fill("#note-form textarea", "half a thought")
    tab.fill("#note-form textarea", "")  # emptied again, as it came
    tab.click("#note-form input[name=title]")
    tab.keyboard.press("Backspace")
    tab.keyboard.type("4")  # "Week 4"...
    tab.keyboard.press("Backspace")
    tab.keyboard.type("3")  # ...and "Week 3" again
    tab.select_option("#note-form select", "moment")
    tab.select_option("#note-form select", "clip")
    tab.uncheck("#note-form input[name=shared]")
    tab.check("#note-form input[name=shared]")
    tab.click("#away")
    tab.wait_for_url(f"{server}/elsewhere")
    assert asked == []

    for edit in (
        lambda: tab.fill("#note-form input[name=title]", "Week 3 and 4"),
        lambda: tab.select_option("#note-form select", "moment"),
        lambda: tab.uncheck("#note-form input[name=shared]"),
        lambda: tab.type("#note-form textarea", "x"),
    ):
        asked.clear()
        tab.goto(f"{server}/notes")
        edit()
        tab.click("#away", no_wait_after=True)
        tab.wait_for_timeout(500)
        assert asked == ["beforeunload"]  # really changed: it asks, and "Stay" stays
        assert tab.url == f"{server}/notes"
        tab.evaluate("() => document.getElementById('note-form').reset()")  # as it came: free
