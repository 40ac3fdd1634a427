"""The zero width joiner and non-joiner count in ``Team.name_key`` again between letters and marks:
in a Persian or Indic word they change the word as drawn, so "می‌خواهم" (a ZWNJ after "می") and
"میخواهم" are two names. Beside a symbol or a selector (an emoji sequence) they are still left out.

Every team gets the key the code gives its name today. Names stay as they are: 0010 left the
joiners out of every key, so no stored key holds one, and each key this writes either is the old
one or holds a joiner and differs from the old one only by it; two teams had two old keys, so they
get two keys, and no team meets a key another still holds. Going back is 0010 again: names that
then read the same are renamed ``<name> (2)``… as 0010 did (its rules, unchanged since).
"""

import re
import unicodedata
from importlib import import_module

from django.db import migrations

_0010 = import_module("coach.migrations.0010_team_name_key_invisible")

# coach.models.team_name_key as of this migration (the cleaning is 0010's).
_KEY_DROPPED = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef\u034f]")
_JOINERS = "\u200c\u200d"


def _symbol_side(char: str) -> bool:
    return unicodedata.category(char)[0] == "S" or bool(_KEY_DROPPED.match(char))


def _key(value: str) -> str:
    text = _0010._clean(value)
    text = "".join(
        char
        for i, char in enumerate(text)
        if char not in _JOINERS
        or (
            0 < i < len(text) - 1
            and not _symbol_side(text[i - 1])
            and not _symbol_side(text[i + 1])
        )
    )
    text = _KEY_DROPPED.sub("", text)
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def forwards(apps, schema_editor) -> None:
    Team = apps.get_model("coach", "Team")
    _0010._write(Team, list(Team.objects.order_by("created_at", "pk")), _0010._clean, _key)


def backwards(apps, schema_editor) -> None:
    _0010.forwards(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("coach", "0010_team_name_key_invisible"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
