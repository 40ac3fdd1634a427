"""Team names that look the same are one name: ``Team.name_key`` leaves out the variation
selectors, the combining grapheme joiner and the zero width joiner and non-joiner ("❤ Fans" and
"❤️ Fans" are one name), and stored names lose the invisible characters a name typed now cannot
have (``coach.params.plain_name``: zero width spaces, soft hyphens, a joiner with nothing to
join…).

Every team gets the name and key the code gives a name today. Where two teams now read the same,
the first made keeps its name and each later one is renamed ``<name> (2)``, ``(3)``… as ``0008``
did, so the migration never fails on them; a name with nothing visible left becomes ``Team`` (or
``Team (2)``… when a team has that name). A later team keeps a name that looks as before, with a
number after it. Keeping its old name under a key of another form instead would break the rule
that a team's key is ``team_name_key(name)``: its next full save (the admin's) would write that
key and be refused.

The keys are written in two steps, first a placeholder per changed team, so that no team takes a
key another still holds before it is rewritten (PostgreSQL checks a unique key at each row).
Going back, every team gets ``0008``'s key again (names stay cleaned: they look the same).
It keeps its own copies of the name and key rules: the code's may change, what this did must not.
"""

import re
import unicodedata

from django.db import migrations

# coach.params.plain_name as of this migration.
_BIDI = dict.fromkeys([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_CONTROLS = dict.fromkeys([*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)])
_INVISIBLE = dict.fromkeys([0x2028, 0x2029, 0x00AD, 0x180E, 0x200B, *range(0x2060, 0x2065), 0xFEFF])
_DROPPED = {**_BIDI, **_CONTROLS, **_INVISIBLE}
_JOINERS = "\u200c\u200d"
_BLANK = "\u115f\u1160\u3164\uffa0\u2800"
_MODIFIERS = re.compile("[\u034f\ufe00-\ufe0f\U000e0100-\U000e01ef]")
# coach.models.team_name_key's characters left out of the key.
_KEY_DROPPED = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef\u034f\u200c\u200d]")


def _joins(char: str) -> bool:
    return char > "\x7f" and char not in _BLANK and unicodedata.category(char)[0] in "LMS"


def _plain(value: str) -> str:
    text = value.translate(_DROPPED)
    text = "".join(
        char
        for i, char in enumerate(text)
        if char not in _JOINERS
        or (0 < i < len(text) - 1 and _joins(text[i - 1]) and _joins(text[i + 1]))
    )
    if all(
        c.isspace() or c in _BLANK or unicodedata.category(c) == "Cf" or _MODIFIERS.match(c)
        for c in text
    ):
        return ""
    return text.strip().strip(_BLANK).strip()


def _clean(value: str) -> str:
    return " ".join(_plain(value).split())[:100]


def _key(value: str) -> str:
    text = _KEY_DROPPED.sub("", _clean(value))
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


# 0008's rules, for going back.
def _clean_0008(value: str) -> str:
    return " ".join(value.translate({**_BIDI, **_CONTROLS}).split())[:100]


def _key_0008(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", _clean_0008(value)).casefold().split())


def _names_and_keys(teams, clean, key) -> dict[int, tuple[str, str]]:
    """Each team's (name, key): its cleaned name, or that with `` (n)`` when an older team's
    reads the same. Every name read once keeps it first, so that a renamed team never takes a
    name a team already has ("Owls (2)"); a name with nothing visible left is ``Team`` after
    them (a team called Team keeps its name)."""
    taken: dict[str, int] = {}
    for team in teams:
        if name := clean(team.name):
            taken.setdefault(key(name), team.pk)
    got = {}
    for team in teams:
        name = clean(team.name) or "Team"
        candidate = name
        if taken.setdefault(key(name), team.pk) != team.pk:
            for n in range(2, 100_000):
                suffix = f" ({n})"
                candidate = name[: 100 - len(suffix)] + suffix
                if key(candidate) not in taken:
                    break
            taken[key(candidate)] = team.pk
        got[team.pk] = (candidate, key(candidate))
    return got


def _write(Team, teams, clean, key) -> None:
    wanted = _names_and_keys(teams, clean, key)
    changed = [t for t in teams if (t.name, t.name_key) != wanted[t.pk]]
    for team in changed:  # a key no team has or will have: no control characters in a key
        team.name_key = f"\x01{team.pk}"
    Team.objects.bulk_update(changed, ["name_key"], batch_size=500)
    for team in changed:
        team.name, team.name_key = wanted[team.pk]
    Team.objects.bulk_update(changed, ["name", "name_key"], batch_size=500)


def forwards(apps, schema_editor) -> None:
    Team = apps.get_model("coach", "Team")
    _write(Team, list(Team.objects.order_by("created_at", "pk")), _clean, _key)


def backwards(apps, schema_editor) -> None:
    Team = apps.get_model("coach", "Team")
    _write(Team, list(Team.objects.order_by("created_at", "pk")), _clean_0008, _key_0008)


class Migration(migrations.Migration):
    dependencies = [
        ("coach", "0009_team_name_key_unique"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
