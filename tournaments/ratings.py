"""OpenSkill ratings of bots and agents, one per identity, with a history for the leaderboard."""

from __future__ import annotations

from collections.abc import Iterable

from openskill.models import PlackettLuce

from .models import Entrant, Rating, RatingChange, TournamentMatch

MODEL = PlackettLuce()


def ratings_of(identities: Iterable[str]) -> dict[str, float]:
    """``{identity: ordinal}`` for those already rated (the seeding order)."""
    return {r.identity: r.ordinal for r in Rating.objects.filter(identity__in=list(identities))}


def ratings_at(identities: Iterable[str], when) -> dict[str, float | None]:
    """``{identity: ordinal}`` as the ratings stood at ``when`` (the last change before it);
    None for one not rated yet then. A match page shows these, not today's ratings."""
    out: dict[str, float | None] = {}
    for identity in identities:
        change = (
            RatingChange.objects.filter(rating__identity=identity, created_at__lt=when)
            .order_by("-created_at", "-pk")
            .first()
        )
        out[identity] = None if change is None else change.ordinal
    return out


def _rating_for(entrant: Entrant) -> Rating:
    fresh = MODEL.rating()
    rating, _ = Rating.objects.select_for_update().get_or_create(
        identity=entrant.identity,
        defaults={
            "name": entrant.bot or entrant.name,  # the bot, not its numbered entry
            "agent": entrant.agent,
            "mu": fresh.mu,
            "sigma": fresh.sigma,
        },
    )
    return rating


def ratings_update(*, winner: Entrant, loser: Entrant, match: TournamentMatch) -> None:
    """Rates one decided match (call inside the transaction that records it)."""
    a, b = _rating_for(winner), _rating_for(loser)
    [[new_a], [new_b]] = MODEL.rate(
        [[MODEL.rating(mu=a.mu, sigma=a.sigma)], [MODEL.rating(mu=b.mu, sigma=b.sigma)]]
    )
    for rating, new, won in ((a, new_a, True), (b, new_b, False)):
        rating.mu, rating.sigma = new.mu, new.sigma
        if won:
            rating.wins += 1
        else:
            rating.losses += 1
        rating.save()
        RatingChange.objects.create(rating=rating, match=match, mu=new.mu, sigma=new.sigma, won=won)
