"""The profile page's verifier panel: its state and the "Train verifier" button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from ..models import GameProfile, ProfileVerifier
from .services import VerifierRefused, profile_verifier_request, verifier_readiness


@login_required
@require_POST
def verifier_train(request: HttpRequest, pk: int) -> HttpResponse:
    """Queues training (any member of the profile's team; another team's profile is a 404)."""
    profile = get_object_or_404(GameProfile.objects.visible_to(request.user), pk=pk)
    try:
        profile_verifier_request(profile=profile, user=request.user)
    except VerifierRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Verifier training queued.")
    return redirect("profiles:detail", pk=profile.pk)


def verifier_panel(profile: GameProfile) -> dict:
    """What the profile page shows about the verifier (the template's ``verifier`` block)."""
    # Only the latest version's: detection uses a verifier with the version it was trained on,
    # so after an edit the page says "train again" rather than "active".
    rows = ProfileVerifier.objects.filter(version=profile.latest) if profile.latest else None
    latest = rows.first() if rows is not None else None
    active = rows.filter(active=True).first() if rows is not None else None
    ready = verifier_readiness(profile) if profile.team_id is not None else None
    if latest is not None and latest.pending:
        state = latest.state
    elif latest is not None and latest.state == ProfileVerifier.FAILED:
        state = "failed"
    elif active is not None:
        state = "active"
    elif latest is not None and latest.state == ProfileVerifier.DONE:
        state = "not-better"
    elif ready is not None and ready.missing:
        state = "not-enough"
    else:
        state = "ready"
    return {
        "state": state,
        "latest": latest,
        "active": active,
        "ready": ready,
        "trainable": profile.team_id is not None and state not in ("queued", "training"),
    }
