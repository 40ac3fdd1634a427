"""Reading ids from requests: a value that is not a whole number is simply no id (never a 500)."""

from __future__ import annotations


def id_or_none(value: object) -> int | None:
    """The value as a positive integer id, or None."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
