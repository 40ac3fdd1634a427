"""Arena pages: agents (upload, record, training curve), playing an agent, recorded datasets."""

from __future__ import annotations

import io
import zipfile

import plotly.graph_objects as go
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coach.models import Membership, Team
from coach.params import id_or_none
from coach.refusals import Refused
from replays.charts import LAYOUT
from tournaments.arena import ACTIONS, CHARACTER_NAMES

from . import play as play_services
from . import services
from .models import Agent, Dataset, Match

MAX_AGENT_UPLOAD = 64 * 1024 * 1024
STOPPED_LISTED = 20
"""The latest stopped play matches an agent's page lists (under its collapsed *Stopped* line)."""


@login_required
def agent_list(request: HttpRequest, refused: str | None = None) -> HttpResponse:
    """The team's agents and the upload form; ``refused``: why an upload was not accepted (the
    form comes back at 400 with the team, name and notes as they were typed)."""
    agents = list(Agent.objects.visible_to(request.user).select_related("team", "owner"))
    seen = Match.objects.visible_to(request.user)
    for agent in agents:  # the record of the games this viewer may open
        agent.seen_record = agent.record(seen)
    if refused is not None:
        messages.error(request, refused)
    typed = request.POST if refused is not None else {}
    return render(
        request,
        "tournaments/agents.html",
        {
            "agents": agents,
            "teams": Team.objects.visible_to(request.user),
            "house": play_services.house_opponents(),
            "typed": {k: typed.get(k, "") for k in ("team", "name", "description")},
        },
        status=400 if refused is not None else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def agent_upload(request: HttpRequest) -> HttpResponse:
    """Takes the upload form's POST; a refused upload comes back at this address, so a GET of it
    (the address opened again) leads to the agents page instead of the browser's blank 405."""
    if request.method != "POST":
        return redirect("tournaments:agents")
    team_id = id_or_none(request.POST.get("team"))
    team = Team.objects.visible_to(request.user).filter(pk=team_id).first()
    upload = request.FILES.get("file")
    if team is None or upload is None:
        return agent_list(request, "Choose one of your teams and an agent file (.zip).")
    if upload.size > MAX_AGENT_UPLOAD:
        return agent_list(request, "That file is larger than 64 MB: it is not an agent of ours.")
    try:
        agent = services.agent_upload(
            team=team,
            owner=request.user,
            name=request.POST.get("name", ""),
            upload=upload,
            description=request.POST.get("description", ""),
        )
    except services.AgentUploadError as exc:
        return agent_list(request, f"Agent not accepted: {exc}")
    note = "it is being checked, then plays its evaluation matches"
    messages.success(request, f"{agent.name} uploaded; {note}.")
    return redirect(agent)


def _curve_figure(rows: list[dict[str, str]]) -> dict | None:
    if not rows:
        return None
    x_key = "step" if "step" in rows[0] else next(iter(rows[0]))
    fig = go.Figure()
    for column, color in (
        ("win_rate", "#3ecf8e"),
        ("heldout_agreement", "#3ecf8e"),
        ("train_agreement", "#4fa3ff"),
        ("loss", "#ff5c6c"),
        ("epsilon", "#8d96a3"),
    ):
        if column not in rows[0]:
            continue
        points = [(r[x_key], r[column]) for r in rows if r.get(column) not in (None, "")]
        fig.add_trace(
            go.Scatter(
                x=[p[0] for p in points],
                y=[float(p[1]) for p in points],
                mode="lines+markers",
                name=column,
                line=dict(color=color),
                yaxis="y2" if column == "loss" else "y",
            )
        )
    fig.update_layout(
        **{**LAYOUT, "showlegend": True, "legend": dict(orientation="h", y=1.15, x=0)},
        height=280,
        xaxis=dict(title=x_key),
        yaxis=dict(title="rate", range=[0, 1.05]),
        yaxis2=dict(title="loss", overlaying="y", side="right", showgrid=False),
    )
    return fig.to_plotly_json()


@login_required
def agent_detail(request: HttpRequest, pk: str) -> HttpResponse:
    agent = get_object_or_404(Agent.objects.visible_to(request.user), pk=pk)
    # Only the games the viewer may open. Play matches their player left (stopped) are apart:
    # no result, in no record, and as many as a person opened the play page and left.
    played = Match.objects.visible_to(request.user).filter(Q(p1_agent=agent) | Q(p2_agent=agent))
    stopped = played.filter(state=Match.STOPPED).order_by("-created_at")
    return render(
        request,
        "tournaments/agent.html",
        {
            "agent": agent,
            "record": agent.record(Match.objects.visible_to(request.user)),
            "matches": played.exclude(state=Match.STOPPED)
            .with_cut_short()
            .order_by("-created_at")[:50],
            "stopped": stopped[:STOPPED_LISTED],
            "stopped_count": stopped.count(),
            "curve": _curve_figure(services.agent_training_curve(agent)),
        },
    )


@login_required
@require_GET
def agent_download(request: HttpRequest, pk: str) -> HttpResponse:
    agent = get_object_or_404(Agent.objects.visible_to(request.user), pk=pk)
    response = HttpResponse(_zip_folder(agent.path), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, f"{agent.name}.zip")
    return response


@login_required
@require_http_methods(["GET", "POST"])
def agent_delete(request: HttpRequest, pk: str) -> HttpResponse:
    """GET asks first; POST deletes. Its owner, the team's coach or staff only."""
    agent = get_object_or_404(Agent.objects.visible_to(request.user), pk=pk)
    if not agent.may_be_deleted_by(request.user):
        raise Refused("Only the agent's owner or the team's coach may delete it.")
    busy = services.agent_unfinished_tournaments(agent)
    if request.method == "GET":
        drafts = services.agent_unfinished_tournaments(agent, "draft")
        context = {"agent": agent, "busy": busy, "drafts": drafts}
        return render(request, "tournaments/agent_delete.html", context)
    try:
        services.agent_delete(agent)
    except services.AgentInUse as exc:
        messages.error(request, str(exc))
        return redirect(agent)
    messages.success(request, f"{agent.name} deleted.")
    return redirect("tournaments:agents")


@login_required
def play(request: HttpRequest, pk: str) -> HttpResponse:
    agent = get_object_or_404(Agent.objects.visible_to(request.user), pk=pk)
    return _play_page(request, play_services.Opponent(agent.name, agent))


@login_required
def play_house(request: HttpRequest, name: str) -> HttpResponse:
    """Playing a house opponent (a built-in bot or the demo's Copycat): every team can."""
    opponent = play_services.opponent_for(request.user, name)
    if opponent is None or name not in play_services.HOUSE_OPPONENTS:
        raise Http404("No such house opponent")
    return _play_page(request, opponent)


def _play_page(request: HttpRequest, opponent) -> HttpResponse:
    return render(
        request,
        "tournaments/play.html",
        {"opponent": opponent, "characters": CHARACTER_NAMES, "actions": ACTIONS},
    )


@login_required
def dataset_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    datasets = Dataset.objects.visible_to(user).select_related("team", "player", "match")[:200]
    coached = set(
        Membership.objects.filter(user=user, role=Membership.COACH).values_list("team", flat=True)
    )
    for d in datasets:  # as Dataset.may_be_deleted_by, without a query per row
        d.deletable = user.is_staff or d.player_id == user.pk or d.team_id in coached
    return render(request, "tournaments/datasets.html", {"datasets": datasets})


@login_required
@require_POST
def dataset_delete(request: HttpRequest, pk: str) -> HttpResponse:
    """Deletes a recording: the person who played it or the team's coach, once it has ended."""
    dataset = get_object_or_404(
        Dataset.objects.visible_to(request.user).select_related("match", "team"), pk=pk
    )
    if not dataset.may_be_deleted_by(request.user):
        raise Refused("Only the person who played it or the team's coach may delete a recording.")
    try:
        play_services.dataset_delete(dataset)
    except play_services.RecordingInProgress as exc:
        messages.error(request, str(exc))
        return redirect("tournaments:datasets")
    messages.success(request, f"Recording of {dataset} deleted.")
    return redirect("tournaments:datasets")


@login_required
@require_GET
def dataset_download(request: HttpRequest, pk: str) -> HttpResponse:
    dataset = get_object_or_404(Dataset.objects.visible_to(request.user), pk=pk)
    response = HttpResponse(_zip_folder(dataset.path), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, f"dataset-{dataset.pk}.zip")
    return response


def _zip_folder(folder) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()
