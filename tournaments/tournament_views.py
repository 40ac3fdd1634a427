"""Tournament pages: the list and create form, a bracket page anyone may watch if public, the
leaderboard."""

from __future__ import annotations

import functools

import plotly.graph_objects as go
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve

from coach.models import Team
from coach.params import id_or_none
from replays.charts import LAYOUT
from tournaments.arena import CHARACTER_NAMES

from . import tournament_services as services
from .models import Agent, Rating, Tournament
from .tournament_selectors import tournament_payload

QUICK_RULES = {"max_rounds": 1, "round_seconds": 30}


def tournament_list(request: HttpRequest, form: QueryDict | None = None) -> HttpResponse:
    """The tournaments one may watch and, for a team member, the new-tournament form (``form``:
    what was typed, when a create was refused, so nothing typed is lost)."""
    tournaments = Tournament.objects.watchable_by(request.user).select_related("team", "champion")
    teams = Team.objects.visible_to(request.user)
    agents = _own_agents(request.user)
    choices = services.house_entrants() + [
        (f"agent:{a.pk}", f"{a.name} ({a.team.name})") for a in agents
    ]
    return render(
        request,
        "tournaments/tournament_list.html",
        {
            "tournaments": tournaments[:100],
            "teams": teams,
            "formats": Tournament.FORMATS,
            "characters": CHARACTER_NAMES,
            "form": _form_values(form),
            "entrant_rows": _entrant_rows(form, choices),
        },
        status=400 if form is not None else 200,
    )


def _own_agents(user):
    """The user's teams' ready agents, less the house agent (listed once, as a house entrant)."""
    agents = Agent.objects.visible_to(user).filter(state=Agent.READY).select_related("team")
    house = services.house_agent()
    return agents.exclude(pk=house.pk) if house is not None else agents


CHECKED_BY_DEFAULT = ("grand_final_reset", "public", "quick", "live")


def _form_values(post: QueryDict | None) -> dict:
    """The new-tournament form's values: the defaults, or what was typed (``post``)."""
    if post is None:
        return {
            "checked": set(CHECKED_BY_DEFAULT),
            "banned": [(c, False) for c in CHARACTER_NAMES],
        }
    banned = set(post.getlist("banned"))
    return {
        **{
            field: post.get(field, "")
            for field in ("team", "name", "format", "best_of", "seeding", "rounds")
        },
        "checked": {flag for flag in (*CHECKED_BY_DEFAULT, "third_place") if post.get(flag)},
        "banned": [(c, c in banned) for c in CHARACTER_NAMES],
    }


def _entrant_rows(post: QueryDict | None, choices: list[tuple[str, str]]) -> list[dict]:
    """One row per possible entrant: ticked (house bots by default), character, typed seed."""
    picked = set(post.getlist("entrant")) if post is not None else None
    return [
        {
            "ref": ref,
            "label": label,
            "checked": ref.startswith("bot:") if picked is None else ref in picked,
            "character": post.get(f"character-{ref}", "") if post is not None else "",
            "seed": post.get(f"seed-{ref}", "") if post is not None else "",
        }
        for ref, label in choices
    ]


def _post_only(back: str):
    """The view takes a form's POST; a GET of its address (a reload after a refused form, the
    address typed in) goes to the page ``back`` names instead of a browser's blank 405."""

    def wrap(view):
        @functools.wraps(view)
        def inner(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                if "pk" not in kwargs:
                    return redirect(back)
                _watchable(request, kwargs["pk"])  # another team's private one: 404 as ever
                return redirect(back, kwargs["pk"])
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return inner

    return wrap


@login_required
@_post_only("bracket:list")
def tournament_create(request: HttpRequest) -> HttpResponse:
    post = request.POST
    team = Team.objects.visible_to(request.user).filter(pk=id_or_none(post.get("team"))).first()
    if team is None:
        messages.error(request, "Choose one of your teams.")
        return tournament_list(request, post)
    refs = post.getlist("entrant")
    try:
        options = {
            "third_place": bool(post.get("third_place")),
            "grand_final_reset": bool(post.get("grand_final_reset")),
            "rounds": _typed_number(post, "rounds", "Swiss rounds", MAX_SWISS_ROUNDS),
            "rules": QUICK_RULES if post.get("quick") else {},
            "live": bool(post.get("live")),
        }
        # Seeding by hand: the seed numbers typed in the form (blank ones after, in form order).
        seeds = {ref: _typed_number(post, f"seed-{ref}", "a seed", MAX_SEED) for ref in refs}
        typed = [n for n in seeds.values() if n is not None]
        if len(typed) != len(set(typed)):
            twice = next(n for n in typed if typed.count(n) > 1)
            raise services.TournamentError(f"seed {twice} is given to two entrants")
        last = len(refs) + 1
        refs.sort(key=lambda ref: seeds[ref] or last)
        entrants = [services.EntrantChoice(ref, post.get(f"character-{ref}", "")) for ref in refs]
        tournament = services.tournament_create(
            team=team,
            created_by=request.user,
            name=post.get("name", ""),
            format=post.get("format", ""),
            entrants=entrants,
            best_of=_best_of(post),
            options=options,
            banned_characters=post.getlist("banned"),
            public=bool(post.get("public")),
            seeding=post.get("seeding", "rating"),
        )
    except services.TournamentError as exc:
        messages.error(request, f"Tournament not created: {exc}")
        return tournament_list(request, post)  # the form again, as it was typed
    count = tournament.entrants.count()
    entrants = f"{count} entrant{'' if count == 1 else 's'}"
    if count < 2:  # allowed (others may enter), but it cannot start yet: said now
        entrants += "; it needs at least two to start"
    messages.success(request, f"{tournament.name} created with {entrants}.")
    return redirect(tournament)


BEST_OF = ("1", "3", "5")


def _best_of(post) -> int:
    """Best of 1, 3 or 5, as the form offers; anything else is refused, not guessed at."""
    text = str(post.get("best_of", "")).strip() or "1"
    if text not in BEST_OF:
        raise services.TournamentError(f"best of must be 1, 3 or 5, not {text[:20]!r}")
    return int(text)


MAX_SWISS_ROUNDS = 64
MAX_SEED = 128


def _typed_number(post, field: str, what: str, high: int) -> int | None:
    """A number typed in the form: None when left blank, else a whole number from 1 to ``high``.

    Raises:
        TournamentError: anything else, said in one line (not silently taken as blank).
    """
    text = str(post.get(field, "")).strip()
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        message = f"{what} must be a whole number, not {text[:20]!r}"
        raise services.TournamentError(message) from None
    if not 1 <= number <= high:
        raise services.TournamentError(f"{what} must be 1 to {high}, not {number}")
    return number


def _watchable(request: HttpRequest, pk: int) -> Tournament:
    return get_object_or_404(Tournament.objects.watchable_by(request.user), pk=pk)


def _match_page_exists() -> bool:
    """Whether the site has the live match page (/matches/<id>/) to embed."""
    try:
        resolve("/matches/1/")
    except Resolver404:
        return False
    return True


def tournament_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tournament = _watchable(request, pk)
    payload = {**tournament_payload(tournament), "match_page": _match_page_exists()}
    mine = Team.objects.visible_to(request.user)
    return render(
        request,
        "tournaments/tournament_detail.html",
        {
            "tournament": tournament,
            "payload": payload,
            "entrants": tournament.entrants.select_related("agent", "team"),
            "organiser": mine.filter(pk=tournament.team_id).exists(),
            "teams": mine,
            "my_agents": _own_agents(request.user),
            "house": services.house_entrants(),
            "characters": [c for c in CHARACTER_NAMES if c not in tournament.banned_characters],
            "swiss_needs": _swiss_needs(tournament),
        },
    )


def _swiss_needs(tournament: Tournament) -> int | None:
    """For a Swiss draft with its rounds set: the entrants those rounds need without a rematch
    (``2 × rounds − 1``), so the organiser knows before Start refuses it."""
    rounds = (tournament.options or {}).get("rounds")
    if tournament.format != "swiss" or tournament.state != Tournament.DRAFT or not rounds:
        return None
    return 2 * int(rounds) - 1


@login_required
@_post_only("bracket:detail")
def tournament_enter(request: HttpRequest, pk: int) -> HttpResponse:
    tournament = _watchable(request, pk)
    team = (
        Team.objects.visible_to(request.user)
        .filter(pk=id_or_none(request.POST.get("team")))
        .first()
    )
    if team is None:
        messages.error(request, "Choose one of your teams.")
        return redirect(tournament)
    choice = services.EntrantChoice(
        request.POST.get("entrant", ""), request.POST.get("character", "")
    )
    try:
        entrant = services.entrant_add(tournament=tournament, team=team, choice=choice)
    except services.TournamentError as exc:
        messages.error(request, f"Not entered: {exc}")
        return redirect(tournament)
    messages.success(request, f"{entrant.name} entered as {entrant.character}.")
    return redirect(tournament)


@login_required
@_post_only("bracket:detail")
def tournament_start(request: HttpRequest, pk: int) -> HttpResponse:
    tournament = get_object_or_404(Tournament.objects.visible_to(request.user), pk=pk)
    try:
        services.tournament_start(tournament=tournament)
    except services.TournamentError as exc:
        messages.error(request, f"Not started: {exc}")
    return redirect(tournament)


@login_required
def tournament_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first; POST stops a running tournament (its team only)."""
    return _confirm_then(request, pk, "cancel")


@login_required
def tournament_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first; POST deletes a tournament still taking entrants (its team only)."""
    return _confirm_then(request, pk, "delete")


ENDINGS = {"cancel": services.tournament_cancel, "delete": services.tournament_delete}


def _confirm_then(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    tournament = get_object_or_404(Tournament.objects.visible_to(request.user), pk=pk)
    done = {"cancel": "cancelled", "delete": "deleted"}[action]
    if request.method in ("GET", "HEAD"):
        context = {"tournament": tournament, "action": action, "played": _games_played(tournament)}
        return render(request, "tournaments/tournament_confirm.html", context)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        ENDINGS[action](tournament=tournament)
    except services.TournamentError as exc:
        messages.error(request, f"Not {done}: {exc}")
        return redirect(tournament)
    messages.success(request, f"{tournament.name} {done}.")
    return redirect("bracket:list") if action == "delete" else redirect(tournament)


def _games_played(tournament: Tournament) -> int:
    return sum(len(games) for games in tournament.matches.values_list("games", flat=True))


@login_required
@_post_only("bracket:detail")
def tournament_match_settle(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """The organiser plays a failed game again or awards its match (``action``)."""
    tournament = get_object_or_404(Tournament.objects.visible_to(request.user), pk=pk)
    action = request.POST.get("action", "")
    try:
        tm = services.tournament_match_settle(tournament=tournament, key=key, action=action)
    except services.TournamentError as exc:
        messages.error(request, f"Nothing changed: {exc}")
        return redirect(tournament)
    if action == "replay":
        messages.success(request, f"{key}: the game is played again.")
    else:
        messages.success(request, f"{key}: awarded to {tm.winner.name} (a walk-over, unrated).")
    return redirect(tournament)


def leaderboard(request: HttpRequest) -> HttpResponse:
    ratings = list(Rating.objects.select_related("agent")[:200])
    ratings.sort(key=lambda r: r.ordinal, reverse=True)
    return render(
        request,
        "tournaments/leaderboard.html",
        {"ratings": ratings, "chart": _history_figure(ratings[:10])},
    )


def _history_figure(ratings: list[Rating]) -> dict | None:
    if not ratings:
        return None
    fig = go.Figure()
    for rating in ratings:
        history = list(rating.history.all())
        fig.add_trace(
            go.Scatter(
                x=list(range(len(history) + 1)),
                y=[0.0] + [round(h.ordinal, 2) for h in history],
                mode="lines+markers",
                name=rating.name,
            )
        )
    fig.update_layout(
        **{**LAYOUT, "showlegend": True, "legend": dict(orientation="h", y=1.2, x=0)},
        height=320,
        xaxis=dict(title="rated matches", tickformat="d", rangemode="tozero"),
        yaxis=dict(title="rating (mu − 3σ)"),
    )
    return fig.to_plotly_json()
