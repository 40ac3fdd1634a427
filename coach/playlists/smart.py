"""Smart playlists: a saved filter over the team's events, evaluated each time it is viewed.

Criteria are a small JSON object; every key is optional::

    {"player": 7, "kind": "death", "days": 7, "date_from": "2026-11-01", "date_to": "2026-11-30",
     "profile": 3, "map": "Streets", "opponent": "Rivals", "game": "Halo"}

``player`` is the uploader of the replay (whose recording it is), ``days`` the last N days and
``date_from``/``date_to`` a range, both on when the replay was added; ``profile`` the game profile
that detected the events; the tags match a replay's tags, case aside.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from coach.models import Team
from coach.params import id_or_none
from replays.models import Event, GameProfile

TAGS = ("map", "opponent", "game")
MAX_CLIPS = 100


class CriteriaError(ValueError):
    """A filter that cannot be saved; the message says which field and why."""


def _date(value: str, name: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise CriteriaError(f"The {name} must be a date like 2026-11-30.") from None


def clean_criteria(data, *, team: Team) -> dict:
    """Checks a filter from a form (or JSON) against the team and returns the saved form.

    Raises:
        CriteriaError: A value is not one of the team's players, profiles, kinds or dates.
    """
    clean: dict = {}
    if value := str(data.get("player") or "").strip():
        player = (
            get_user_model().objects.filter(pk=id_or_none(value), memberships__team=team).first()
        )
        if player is None:
            raise CriteriaError("Choose a player of the team.")
        clean["player"] = player.pk
    if kind := str(data.get("kind") or "").strip():
        if kind not in (Event.KILL, Event.DEATH):
            raise CriteriaError("The kind is kill or death.")
        clean["kind"] = kind
    if days := str(data.get("days") or "").strip():
        number = id_or_none(days)
        if number is None or number > 3660:
            raise CriteriaError("The number of days is a whole number from 1 to 3660.")
        clean["days"] = number
    for name in ("date_from", "date_to"):
        if value := str(data.get(name) or "").strip():
            clean[name] = _date(value, name.replace("_", " "))
    if clean.get("date_from", "") > clean.get("date_to", "9999"):
        raise CriteriaError("The range ends before it starts.")
    if value := str(data.get("profile") or "").strip():
        profile = GameProfile.objects.usable_by_team(team).filter(pk=id_or_none(value)).first()
        if profile is None:
            raise CriteriaError("Choose one of the team's game profiles.")
        clean["profile"] = profile.pk
    for name in TAGS:
        if value := str(data.get(name) or "").strip()[:100]:
            clean[name] = value
    if not clean:
        raise CriteriaError("A smart playlist needs at least one filter.")
    return clean


def matching_events(team: Team, criteria: dict) -> QuerySet[Event]:
    """The team's events that the criteria pick, oldest replay first, in frame order.

    Events a coach rejected (they did not happen) are never picked.
    """
    events = (
        Event.objects.filter(replay__team=team)
        .exclude(review=Event.REJECTED)
        .select_related("replay", "clip")
    )
    if "player" in criteria:
        events = events.filter(replay__uploader_id=criteria["player"])
    if "kind" in criteria:
        events = events.filter(kind=criteria["kind"])
    if "days" in criteria:
        since = timezone.now() - dt.timedelta(days=criteria["days"])
        events = events.filter(replay__created_at__gte=since)
    if "date_from" in criteria:
        events = events.filter(replay__created_at__date__gte=criteria["date_from"])
    if "date_to" in criteria:
        events = events.filter(replay__created_at__date__lte=criteria["date_to"])
    if "profile" in criteria:
        events = events.filter(replay__detected_with__profile_id=criteria["profile"])
    for name in TAGS:
        if name in criteria:
            events = events.filter(**{f"replay__{name}__iexact": criteria[name]})
    return events.order_by("replay__created_at", "replay_id", "frame")[:MAX_CLIPS]


def describe(criteria: dict) -> str:
    """The filter in words: "deaths · of alice · last 7 days · map Streets"."""
    parts = [{"kill": "kills", "death": "deaths"}.get(criteria.get("kind"), "kills and deaths")]
    if "player" in criteria:
        user = get_user_model().objects.filter(pk=criteria["player"]).first()
        parts.append(f"of {user.get_username() if user else 'a former player'}")
    if "days" in criteria:
        parts.append(f"last {criteria['days']} day{'s' if criteria['days'] != 1 else ''}")
    if "date_from" in criteria or "date_to" in criteria:
        parts.append(f"{criteria.get('date_from', '…')} to {criteria.get('date_to', '…')}")
    if "profile" in criteria:
        profile = GameProfile.objects.filter(pk=criteria["profile"]).first()
        parts.append(f"profile {profile.name if profile else '(deleted)'}")
    parts += [f"{name} {criteria[name]}" for name in TAGS if name in criteria]
    return " · ".join(parts)
