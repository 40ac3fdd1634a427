"""Downloads named after what a user typed: a quote or a newline never breaks the header."""

from __future__ import annotations

from email.message import Message

import pytest

from replays.models import GameProfile, ProfileVersion
from tests.conftest import client_for


def filename_of(header: str) -> str:
    message = Message()
    message["Content-Disposition"] = header
    return message.get_filename()


@pytest.mark.parametrize("name", ['Sh"ot', "Sh\not", "Ré;sumé", 'a\\"b\r\nX-Evil: 1'])
def test_an_exported_profile_keeps_a_hostile_name_inside_the_filename(users, client, name):
    profile = GameProfile.objects.create(team=users["team"], name=name)
    ProfileVersion.objects.create(
        profile=profile, number=1, spec={"name": name}, version_hash="h" * 64, folder="x"
    )
    response = client_for(client, users["owner"]).get(f"/profiles/{profile.pk}/export.json")
    assert response.status_code == 200
    header = response["Content-Disposition"]
    assert "\n" not in header and "\r" not in header
    assert header.startswith("attachment;")
    assert filename_of(header).endswith("-v1.json")
    assert "X-Evil" not in response.headers
