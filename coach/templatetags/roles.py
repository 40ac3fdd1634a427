"""Template filters that ask a row whether a user may act on it (the rule lives on the model)."""

from django import template

register = template.Library()


@register.filter
def deletable_by(obj, user) -> bool:
    """``{% if replay|deletable_by:user %}``: the object's ``may_be_deleted_by(user)``."""
    return bool(obj.may_be_deleted_by(user))


@register.filter
def coached_by(team, user) -> bool:
    """``{% if team|coached_by:user %}``: the user coaches the team (or is staff)."""
    return bool(team.is_coached_by(user))
