"""Template tags of the coaching pages."""

from __future__ import annotations

from django import template

from coach.selectors import mentions_for

register = template.Library()


@register.simple_tag
def mentions_of(user, limit: int = 10):
    """Notes that @mention the user (see ``coach.selectors.mentions_for``)."""
    return list(mentions_for(user, limit)) if user.is_authenticated else []
