"""Plotly figures for replays and teams, built server-side and drawn by the bundled plotly.js."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import plotly.graph_objects as go

from .models import Event, Replay

COLORS = {Event.KILL: "#3ecf8e", Event.DEATH: "#ff5c6c"}
LANES = {Event.KILL: "Kills", Event.DEATH: "Deaths"}
LAYOUT = dict(
    template="plotly_dark",
    paper_bgcolor="rgba(0,0,0,0)",
    plot_bgcolor="rgba(0,0,0,0)",
    margin=dict(l=60, r=20, t=10, b=40),
    showlegend=False,
)


def timeline_figure(replay: Replay, events: Iterable[Event]) -> dict:
    """Kills and deaths on separate lanes over the match; hover shows time and confidence."""
    fig = go.Figure()
    events = list(events)
    for kind in (Event.KILL, Event.DEATH):
        mine = [e for e in events if e.kind == kind]
        fig.add_trace(
            go.Scatter(
                x=[e.time_s for e in mine],
                y=[LANES[kind]] * len(mine),
                mode="markers",
                marker=dict(symbol="line-ns-open", size=26, line=dict(width=4), color=COLORS[kind]),
                customdata=[[e.frame, e.confidence, e.pk, e.source] for e in mine],
                hovertemplate=(
                    f"{LANES[kind][:-1]} at %{{x:.2f}} s<br>frame %{{customdata[0]}}"
                    "<br>confidence %{customdata[1]:.2f}<br>%{customdata[3]}<extra></extra>"
                ),
                name=LANES[kind],
            )
        )
    fig.update_layout(
        **LAYOUT,
        height=170,
        xaxis=dict(
            title="time (s)", range=[0, replay.duration_s or 1], zeroline=False, rangemode="tozero"
        ),
        # Both lanes named even with no event on them (Plotly else draws a numeric axis).
        yaxis=dict(
            type="category",
            categoryorder="array",
            categoryarray=["Deaths", "Kills"],
            range=[-0.5, 1.5],
            fixedrange=True,
        ),
        hovermode="closest",
    )
    return fig.to_plotly_json()


def kd_trend_figure(rows: list[dict]) -> dict:
    """K/D per analysed replay over time, one line per game profile (games are never joined)."""
    colors = ["#4fa3ff", "#f5b942", "#3ecf8e", "#c084fc", "#ff5c6c"]
    games = list(dict.fromkeys(r.get("game", "") for r in rows))
    fig = go.Figure()
    for n, game in enumerate(games):
        mine = [r for r in rows if r.get("game", "") == game]
        fig.add_trace(
            go.Scatter(
                x=[r["created_at"] for r in mine],
                y=[r["kd"] for r in mine],
                name=game or "no profile",
                customdata=[[r["kills"], r["deaths"], r["title"][:40]] for r in mine],
                mode="lines+markers",
                line=dict(color=colors[n % len(colors)]),
                hovertemplate=(
                    "%{customdata[2]} (%{x|%Y-%m-%d})<br>K/D %{y:.2f} "
                    "(%{customdata[0]} / %{customdata[1]})<extra>%{fullData.name}</extra>"
                ),
            )
        )
    xaxis: dict = dict(type="date")
    times = [datetime.fromisoformat(str(r["created_at"])) for r in rows]  # (team_trends: ISO)
    if times and max(times) - min(times) < timedelta(days=7):
        # Days, not the hours and milliseconds Plotly fills a short span with (one replay).
        day = timedelta(days=1)
        xaxis.update(range=[min(times) - day, max(times) + day], dtick=86_400_000)
        xaxis.update(tickformat="%b %-d")
    fig.update_layout(
        **{**LAYOUT, "showlegend": len(games) > 1, "legend": dict(orientation="h", y=1.15, x=0)},
        height=260,
        xaxis=xaxis,
        yaxis=dict(title="K/D", rangemode="tozero"),
    )
    return fig.to_plotly_json()


def death_timing_figure(fractions: list[float]) -> dict:
    """When in a match deaths happen: a histogram over the match, start to end, in tenths."""
    fig = go.Figure(
        go.Histogram(
            x=[100 * f for f in fractions],
            xbins=dict(start=0, end=100, size=10),
            marker=dict(color=COLORS[Event.DEATH]),
            hovertemplate="%{x}% of the match: %{y} deaths<extra></extra>",
        )
    )
    fig.update_layout(
        **LAYOUT,
        height=260,
        bargap=0.05,
        xaxis=dict(title="point in the match (%)", range=[0, 100]),
        yaxis=dict(title="deaths"),
    )
    return fig.to_plotly_json()
