"""Team names unique as read (case, spacing, character width): ``Team.name_key``.

A database may already hold teams whose names read the same: the first made keeps its name and
each later one is renamed ``<name> (2)``, ``(3)``… before ``0009`` makes the key unique (in its
own transaction: PostgreSQL does not alter a table in the transaction that has just updated its
rows), so the migration never fails on them. It keeps its own copy of the key:
``coach.models.team_name_key`` may change, what this migration did must not.
"""

import unicodedata

from django.db import migrations, models

_BIDI = dict.fromkeys([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_CONTROLS = dict.fromkeys([*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)])


def _clean(value: str) -> str:
    return " ".join(value.translate({**_BIDI, **_CONTROLS}).split())[:100]


def _key(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", _clean(value)).casefold().split())


def keys_and_renames(apps, schema_editor) -> None:
    Team = apps.get_model("coach", "Team")
    teams = list(Team.objects.order_by("created_at", "pk"))
    # Every name read once keeps it (the first made, of names read alike), so that a later
    # duplicate's new name never takes one a team already has ("Owls (2)").
    taken: dict[str, int] = {}
    for team in teams:
        taken.setdefault(_key(_clean(team.name) or "Team"), team.pk)
    for team in teams:
        name = _clean(team.name) or "Team"
        candidate = name
        if taken[_key(name)] != team.pk:
            for n in range(2, 10_000):
                suffix = f" ({n})"
                candidate = name[: 100 - len(suffix)] + suffix
                if _key(candidate) not in taken:
                    break
            taken[_key(candidate)] = team.pk
        team.name, team.name_key = candidate, _key(candidate)
        team.save(update_fields=["name", "name_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("coach", "0007_team_removals"),
    ]

    operations = [
        migrations.AddField(
            model_name="team",
            name="name_key",
            field=models.CharField(default="", editable=False, max_length=400),
            preserve_default=False,
        ),
        migrations.RunPython(keys_and_renames, migrations.RunPython.noop),
    ]
