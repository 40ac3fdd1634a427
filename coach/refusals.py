"""The 403 page says why: a refusal written for the user, and the generic text for anything else.

Django hands every ``PermissionDenied`` to ``handler403`` with the exception, and its default
handler gives the template the exception's text. That text is not always written for the person
reading the page: Django's own middleware raises "Forbidden user agent", and an exception raised
with whatever string was at hand could carry a path or a class name. So only a ``Refused`` (this
project's own, raised with a sentence for the user) shows its message; every other
``PermissionDenied``, and a ``Refused`` without a message, shows the page's generic text.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import capfirst


class Refused(PermissionDenied):
    """A 403 whose message is written for the user: the 403 page shows it (``str(exc)``, also what
    JSON endpoints answer)."""


def reason_for(exception: Exception | None) -> str:
    """The sentence the 403 page shows for ``exception``: empty (the generic text) unless it is a
    ``Refused`` with a message."""
    if not isinstance(exception, Refused):
        return ""
    message = str(exception).strip()
    if message and message[-1] not in ".!?":
        message += "."
    return capfirst(message)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler403``: the site's 403 page, with the refusal's reason where it has one for users."""
    return render(request, "403.html", {"reason": reason_for(exception)}, status=403)
