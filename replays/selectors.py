"""Reads that are more than a filter: per-replay statistics and team trends."""

from __future__ import annotations

from dataclasses import dataclass

from coach.models import Team

from .models import Event, Replay


@dataclass
class ReplayStats:
    kills: int
    deaths: int
    minutes: float

    @property
    def kd(self) -> float:
        """Kills per death (kills alone when there were no deaths)."""
        return self.kills / self.deaths if self.deaths else float(self.kills)

    @property
    def deaths_per_minute(self) -> float:
        return self.deaths / self.minutes if self.minutes else 0.0


def replay_stats(replay: Replay, events: list[Event] | None = None) -> ReplayStats:
    """Kills, deaths and minutes; rejected events (a coach said they did not happen) not counted."""
    events = list(replay.events.exclude(review=Event.REJECTED)) if events is None else events
    return ReplayStats(
        kills=sum(e.kind == Event.KILL for e in events),
        deaths=sum(e.kind == Event.DEATH for e in events),
        minutes=replay.duration_s / 60,
    )


def team_trends(team: Team) -> dict:
    """K/D per analysed replay (oldest first) and where in their matches deaths fall (0..1).

    Each row names its ``game`` (the profile that detected it): K/D of different games are
    never one line; ``games`` lists them, each with its own rows and totals.
    """
    replays = list(
        team.replays.filter(state=Replay.DONE, detected_with__isnull=False)
        .select_related("detected_with__profile")
        .prefetch_related("events")
        .order_by("created_at")
    )
    rows, fractions = [], []
    for replay in replays:
        events = [e for e in replay.events.all() if not e.rejected]
        stats = replay_stats(replay, events)
        rows.append(
            {
                "title": replay.title,
                "game": replay.detected_with.profile.name,
                "url": replay.get_absolute_url(),
                "created_at": replay.created_at.isoformat(),
                "kills": stats.kills,
                "deaths": stats.deaths,
                "kd": round(stats.kd, 3),
                "deaths_per_minute": round(stats.deaths_per_minute, 3),
            }
        )
        if replay.duration_s:
            fractions += [e.time_s / replay.duration_s for e in events if e.kind == Event.DEATH]
    return {"rows": rows, "death_fractions": fractions, "games": _per_game(rows)}


def _per_game(rows: list[dict]) -> list[dict]:
    games: dict[str, list[dict]] = {}
    for row in rows:
        games.setdefault(row["game"], []).append(row)
    out = []
    for name, mine in games.items():
        kills, deaths = sum(r["kills"] for r in mine), sum(r["deaths"] for r in mine)
        kd = kills / deaths if deaths else float(kills)
        out.append({"game": name, "rows": mine, "kills": kills, "deaths": deaths, "kd": kd})
    return out
