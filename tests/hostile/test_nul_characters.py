"""Text with a NUL character is refused with a 400 that says so, and nothing is stored: PostgreSQL
cannot store NUL in text or jsonb, so it would otherwise be a 500 there (found in a browser pass:
the notes API stored "\\u0000")."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from coach.models import Note
from tests.conftest import client_for
from tournaments.models import Tournament


def test_a_note_holding_nul_is_refused_in_json(client, users, replay):
    client_for(client, users["owner"])
    url = f"/coach/replays/{replay.pk}/notes.json"
    for text in ("a\u0000b", "\u0000"):
        response = client.post(url, json.dumps({"frame": 1, "text": text}), "application/json")
        assert response.status_code == 400
        assert response.json() == {"error": "text may not contain NUL characters (U+0000)"}
    shape = {"type": "text", "points": [[0.1, 0.1]], "text": "x\u0000"}
    body = json.dumps({"frame": 1, "shapes": [shape]})
    assert client.post(url, body, "application/json").status_code == 400
    assert not Note.objects.exists()
    # A backslash followed by "u0000" is text, not a NUL: kept as written.
    kept = client.post(url, json.dumps({"frame": 1, "text": "C:\\u0000"}), "application/json")
    assert kept.status_code == 201 and Note.objects.get().text == "C:\\u0000"


def test_a_form_or_a_search_holding_nul_is_refused(client, users):
    client_for(client, users["owner"])
    form = {"team": users["team"].pk, "name": "Cup\u0000", "format": "single",
            "entrant": ["bot:random", "bot:cpu_easy"]}  # fmt: skip
    response = client.post("/tournaments/new", form)  # multipart, as the test client sends
    assert response.status_code == 400 and b"NUL characters" in response.content
    typed = client.post(
        "/tournaments/new", urlencode(form, doseq=True), "application/x-www-form-urlencoded"
    )  # as a browser sends it
    assert typed.status_code == 400 and b"NUL characters" in typed.content
    assert b"Go back" in typed.content and b"/static/css/site.css" in typed.content  # the site's
    assert not Tournament.objects.exists()
    assert client.get("/replays/?q=a%00b").status_code == 400
    assert client.get("/replays/?q=ab").status_code == 200


def test_a_form_post_to_a_json_endpoint_is_a_400_not_a_500(users, replay):
    """With CSRF checked (as for a browser), Django reads a form's fields before the view; a JSON
    endpoint that then read the raw body failed with a 500 (RawPostDataException)."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["owner"])
    client.get("/")  # the CSRF cookie
    token = client.cookies["csrftoken"].value
    for url in (f"/coach/replays/{replay.pk}/notes.json", "/replays/uploads/"):
        response = client.post(url, {"text": "hi", "csrfmiddlewaretoken": token})
        assert response.status_code == 400, (url, response.status_code)
        assert "error" in response.json()


def test_upload_bytes_are_not_text_whatever_they_are_labelled(client, users):
    """A chunk of a replay holds NUL bytes; a client that labels its PUT as a form (Python's
    urllib does by default) still uploads."""
    client_for(client, users["owner"])
    body = json.dumps({"team": users["team"].pk, "filename": "a.mp4", "size": 4})
    upload = client.post("/replays/uploads/", body, "application/json").json()
    response = client.put(
        f"/replays/uploads/{upload['id']}",
        b"\x00%00",
        content_type="application/x-www-form-urlencoded",
        headers={"Upload-Offset": "0"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["offset"] == 4
