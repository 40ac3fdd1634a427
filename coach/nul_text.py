"""Refuses text holding NUL characters (U+0000) before any view sees it.

PostgreSQL stores no NUL in ``text`` or ``jsonb`` (SQLite does), so a note, a tournament name or a
search with one would be a 500 on the PostgreSQL set-up and a silently odd value on SQLite. A NUL
is never part of text a person means to send, so the request is refused with a 400 that says so
(JSON for JSON requests), and nothing is stored. Checked: the query string, JSON bodies (the
``\\u0000`` escape), url-encoded forms (``%00``) and a multipart form's fields; files and raw
upload chunks are bytes and are not looked at.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

MESSAGE = "text may not contain NUL characters (U+0000)"
# \u0000 after an even number of backslashes (an odd count escapes the backslash, not the NUL).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_URL_NUL = re.compile(rb"%00|\x00")


def has_nul(request: HttpRequest) -> bool:
    if _URL_NUL.search(request.META.get("QUERY_STRING", "").encode("latin-1", "replace")):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    form = request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded")
    if form and request.method != "POST":
        return False  # only a POST is read as a form (a PUT of upload bytes may be labelled so)
    if request.content_type == "multipart/form-data":  # the fields; the files are bytes
        try:
            return any("\x00" in value for _, values in request.POST.lists() for value in values)
        except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent):
            return False  # the view answers that as it always did
    if request.content_type not in ("application/json", "application/x-www-form-urlencoded"):
        return False
    try:
        body = request.body
    except RequestDataTooBig:
        return False  # the view answers that as it always did
    if request.content_type == "application/json":
        return bool(_JSON_NUL.search(body)) or b"\x00" in body
    return bool(_URL_NUL.search(body))


class RefuseNulCharacters:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul(request):
            if request.content_type == "application/json" or request.path.endswith(".json"):
                return JsonResponse({"error": MESSAGE}, status=400)
            # The site's page (not bare text): it says why and that Back keeps what was typed.
            reason = f"The text you sent holds a NUL character (U+0000): {MESSAGE}."
            return render(request, "400.html", {"reason": reason}, status=400)
        return self.get_response(request)
