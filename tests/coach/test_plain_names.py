"""Names people type (teams, playlists, tournaments, files…) lose what cannot be seen
(``coach.params.plain_name``): a name of only invisible characters is no name, and one holding
them does not pass for another; the joiners that emoji and some scripts need stay."""

from __future__ import annotations

import pytest

from coach.models import Team
from coach.params import plain_name
from coach.playlists.services import PlaylistError, playlist_create
from tests.conftest import client_for

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl: one emoji
TECHNOLOGIST = "\U0001f468\U0001f3fd\u200d\U0001f4bb"  # with a skin tone
RAINBOW_FLAG = "\U0001f3f3\ufe0f\u200d\U0001f308"
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "mi-khaham": ZWNJ keeps mi apart
DEVANAGARI = "\u0915\u094d\u200d\u0937"  # ka virama ZWJ ssa: the half form


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("", ""),
        ("Owls", "Owls"),
        ("\u200b\u200b\u200b", ""),  # zero width spaces only
        ("\u2060\ufeff\u00ad\u180e\u2062", ""),  # word joiner, BOM, soft hyphen, MVS, invisible x
        ("\u200d\u200c\u200d", ""),  # joiners with nothing to join
        ("\u3164 \u2800\ufe0f", ""),  # a Hangul filler, a blank braille cell, a lone selector
        ("Barn\u2028Hunters\u2029", "BarnHunters"),  # the separators go as a newline does
        ("Ow\u200bls", "Owls"),
        ("\ufeffOwls\u2060", "Owls"),
        ("O\u200dw\u200cls", "Owls"),  # between ASCII letters a joiner changes nothing
        ("\u200dOwls\u200c", "Owls"),
        ("Owls \u200d\U0001f989", "Owls \U0001f989"),  # beside a space: nothing to join
        ("Owls\u3164", "Owls"),
        (f"{FAMILY} Fans", f"{FAMILY} Fans"),
        (TECHNOLOGIST, TECHNOLOGIST),
        (RAINBOW_FLAG, RAINBOW_FLAG),
        ("\u2764\ufe0f Fans", "\u2764\ufe0f Fans"),  # the emoji presentation selector stays
        (PERSIAN, PERSIAN),
        (DEVANAGARI, DEVANAGARI),
        ("\u202eOwls\u202c\t", "Owls"),  # as before: bidi and control characters
    ],
)
def test_it_drops_what_cannot_be_seen_and_keeps_the_joiners_a_name_needs(typed, plain):
    assert plain_name(typed) == plain


def test_a_team_name_of_only_zero_width_spaces_is_refused_with_the_reason(client, users):
    client_for(client, users["outsider"])
    page = client.post("/teams/new", {"name": "\u200b\u200b\u200b"}, follow=True)
    assert "No team made: give the team a name." in page.content.decode()
    assert Team.objects.count() == 2


def test_a_line_separator_is_gone_from_a_team_name_and_an_emoji_sequence_stays(client, users):
    client_for(client, users["outsider"])
    client.post("/teams/new", {"name": "Night\u2028Owls"})
    client.post("/teams/new", {"name": f"{FAMILY} Fans"})
    made = set(
        Team.objects.exclude(pk__in=[users["team"].pk, users["other"].pk]).values_list(
            "name", flat=True
        )
    )
    assert made == {"NightOwls", f"{FAMILY} Fans"}


def test_a_playlist_title_of_only_invisible_characters_is_refused(users):
    with pytest.raises(PlaylistError, match="A playlist needs a title."):
        playlist_create(team=users["team"], created_by=users["coach"], title="\u2060\ufeff\u200b")
