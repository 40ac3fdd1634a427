"""Team pages: the list of your teams, a team's members and invite links, joining, signing up."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coach import limits
from coach.models import Invite, Membership, Team
from coach.refusals import Refused

from . import services
from .services import TeamError


def _team_for(request: HttpRequest, slug: str, *, coach: bool = False) -> Team:
    """The team if the user is in it (404 otherwise); with ``coach``, 403 for its players."""
    team = get_object_or_404(Team.objects.visible_to(request.user), slug=slug)
    if coach and not team.is_coached_by(request.user):
        raise Refused("only the team's coaches manage its members")
    return team


@login_required
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    mine = Membership.objects.filter(user=request.user).values("team_id")
    # Counted over every membership of each team (a join on the user's own rows counts 1).
    teams = (
        Team.objects.filter(pk__in=mine)
        .annotate(members=Count("memberships", distinct=True))
        .order_by("name", "slug")
    )
    roles = dict(Membership.objects.filter(user=request.user).values_list("team_id", "role"))
    rows = [(team, roles.get(team.pk)) for team in teams]
    return render(request, "coach/teams/list.html", {"rows": rows})


@login_required
@require_POST
def team_new(request: HttpRequest) -> HttpResponse:
    try:
        team = services.team_create(name=request.POST.get("name", ""), user=request.user)
    except TeamError as exc:
        messages.error(request, f"No team made: {exc}.")
        return redirect("teams:list")
    messages.success(request, f"{team.name} is yours: invite your players with a link below.")
    return redirect("teams:detail", slug=team.slug)


@login_required
@require_GET
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _team_page(request, _team_for(request, slug))


def _team_page(
    request: HttpRequest, team: Team, refused: tuple[str, str] | None = None, status: int = 200
) -> HttpResponse:
    """The team's page; ``refused``: a new name that was refused and why, shown in the rename
    form (what was typed, to correct)."""
    is_coach = team.is_coached_by(request.user)
    invites = []
    if is_coach:
        invites = [i for i in team.invites.select_related("created_by") if i.usable]
        for invite in invites:
            invite.url = request.build_absolute_uri(reverse("join", args=[invite.token]))
    return render(
        request,
        "coach/teams/detail.html",
        {
            "team": team,
            "members": team.memberships.select_related("user").order_by("role", "user__username"),
            "is_coach": is_coach,
            "invites": invites,
            "roles": Membership.ROLES,
            "invite_days": settings.FILMROOM_INVITE_DAYS,
            "typed_name": refused[0] if refused else team.name,
            "rename_refused": refused[1] if refused else "",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_rename(request: HttpRequest, slug: str) -> HttpResponse:
    """A coach renames the team (the form is on its page, where a GET leads)."""
    team = _team_for(request, slug, coach=True)
    if request.method == "GET":
        return redirect(reverse("teams:detail", args=[team.slug]) + "#rename")
    typed = request.POST.get("name", "")
    try:
        services.team_rename(team=team, name=typed)
    except TeamError as exc:  # the page again, the reason beside what was typed
        return _team_page(request, team, (typed, f"Not renamed: {exc}."), status=400)
    messages.success(request, f"The team is now called {team.name}.")
    return redirect("teams:detail", slug=team.slug)


@login_required
@require_POST
def invite_new(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team_for(request, slug, coach=True)
    try:
        invite = services.invite_create(
            team=team, role=request.POST.get("role", ""), by=request.user
        )
    except TeamError as exc:
        messages.error(request, f"No invite made: {exc}.")
    else:
        messages.success(
            request,
            f"Invite link made: whoever opens it joins as a {invite.get_role_display().lower()}"
            f" (for {settings.FILMROOM_INVITE_DAYS} days). Copy it from the list below.",
        )
    return redirect("teams:detail", slug=team.slug)


@login_required
@require_POST
def invite_revoke(request: HttpRequest, slug: str, invite_id: int) -> HttpResponse:
    team = _team_for(request, slug, coach=True)
    updated = Invite.objects.filter(team=team, pk=invite_id).update(revoked=True)
    if not updated:
        raise Http404("no such invite")
    messages.success(request, "Invite link withdrawn: it no longer lets anyone join.")
    return redirect("teams:detail", slug=team.slug)


def _member_user(team: Team, user_id: int):
    user = get_user_model().objects.filter(pk=user_id, memberships__team=team).first()
    if user is None:
        raise Http404("no such member")
    return user


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    team = _team_for(request, slug, coach=True)
    user = _member_user(team, user_id)
    role = request.POST.get("role", "")
    try:
        services.member_set_role(team=team, user=user, role=role)
    except TeamError as exc:
        messages.error(request, f"Not changed: {exc}.")
    else:
        messages.success(request, f"{user.get_username()} is now a {role} of {team.name}.")
    return redirect("teams:detail", slug=team.slug)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    team = _team_for(request, slug, coach=True)
    user = _member_user(team, user_id)
    try:
        services.member_remove(team=team, user=user)
    except TeamError as exc:
        messages.error(request, f"Not removed: {exc}.")
        return redirect("teams:detail", slug=team.slug)
    messages.success(
        request,
        f"{user.get_username()} was removed from {team.name}; the invite links made so far no"
        " longer let them back in.",
    )
    if user == request.user:
        return redirect("teams:list")
    return redirect("teams:detail", slug=team.slug)


@login_required
@require_POST
def team_leave(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team_for(request, slug)
    try:
        services.member_remove(team=team, user=request.user, leaving=True)
    except TeamError as exc:
        messages.error(request, f"You are still in the team: {exc}.")
        return redirect("teams:detail", slug=team.slug)
    messages.success(request, f"You left {team.name}.")
    return redirect("teams:list")


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """An invite link: logged in, one click joins; otherwise make an account here (or log in)."""
    invite = Invite.objects.select_related("team").filter(token=token).first()
    if invite is None:
        raise Http404("no such invite")
    context = {"invite": invite, "team": invite.team}
    if not invite.usable:
        context["refused"] = services._unusable(invite)
        return render(request, "coach/teams/join.html", context, status=410)
    if request.user.is_authenticated:
        current = invite.team.memberships.filter(user=request.user).first()
        if request.method == "POST":
            return _joined(request, invite, request.user)
        if services.invite_removed(invite, request.user):  # said before, not after, the click
            context["refused"] = services.REMOVED
            return render(request, "coach/teams/join.html", context, status=403)
        context["current"] = current
        return render(request, "coach/teams/join.html", context)
    if request.method == "POST" and (
        refused := _signup_limited(request, "coach/teams/join.html", context)
    ):
        return refused
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = _account_made(request, form)
        return _joined(request, invite, user)
    context["form"] = form
    return render(request, "coach/teams/join.html", context, status=400 if form.errors else 200)


def _joined(request: HttpRequest, invite: Invite, user) -> HttpResponse:
    try:
        membership, created = services.invite_accept(invite=invite, user=user)
    except TeamError as exc:
        messages.error(request, f"Not joined: {exc}.")
        return redirect("home")
    role = membership.get_role_display().lower()
    if created:
        messages.success(request, f"Welcome to {invite.team.name}: you joined as a {role}.")
    else:
        messages.info(request, f"You are already in {invite.team.name}, as a {role}.")
    return redirect("teams:detail", slug=invite.team.slug)


def _signup_limited(request: HttpRequest, template: str, context: dict) -> HttpResponse | None:
    """429 with the form again (the username kept) when this address made too many accounts."""
    wait = limits.signups().retry_after(limits.client_address(request))
    if wait is None:
        return None
    form = UserCreationForm(initial={"username": request.POST.get("username", "")})
    refusal = limits.refusal(limits.SIGNUP_REFUSED, wait)
    page = render(request, template, {**context, "form": form, "limited": refusal})
    return limits.limited(page, wait)


def _account_made(request: HttpRequest, form: UserCreationForm):
    user = form.save()
    limits.signups().hit(limits.client_address(request))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return user


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A new account (when the site allows it): then start a team, or open an invite link."""
    if not settings.FILMROOM_OPEN_SIGNUP:
        raise Http404("accounts are made by invite links only here")
    if request.user.is_authenticated:
        return redirect("teams:list")
    if request.method == "POST" and (
        refused := _signup_limited(request, "registration/signup.html", {})
    ):
        return refused
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = _account_made(request, form)
        messages.success(
            request,
            f"Welcome, {user.get_username()}: start a team below, or open the invite link your"
            " coach sent you.",
        )
        return redirect("teams:list")
    status = 400 if form.errors else 200
    return render(request, "registration/signup.html", {"form": form}, status=status)
