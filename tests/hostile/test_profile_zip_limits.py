"""Profile import refuses hostile zips with a reason: too many files, too big, bombs, damage."""

from __future__ import annotations

import html
import io
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from replays.models import GameProfile
from replays.profiles import services as profiles
from tests.conftest import client_for

SPEC = b'{"name": "x", "events": {"kill": [{"reference": "k.png", "box": [0, 0, 4, 4]}]}}'


def zipped(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def lie_about_size(data: bytes, declared: int) -> bytes:
    """Rewrites every size field of a one-member zip to ``declared`` (a bomb's header)."""
    data = bytearray(data)
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, declared)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


def corrupt(data: bytes) -> bytes:
    data = bytearray(data)
    start = data.find(b"PK\x03\x04") + 30 + len("k.png")
    for i in range(start + 4, start + 40):
        data[i] ^= 0x5A
    return bytes(data)


def import_(client, users, content: bytes):
    upload = SimpleUploadedFile("p.zip", content, content_type="application/zip")
    return client.post("/profiles/import/", {"team": users["team"].pk, "name": "x", "file": upload})


CASES = [
    ("too many", {"profile.json": SPEC, **{f"f{i}.png": b"x" for i in range(101)}}, None,
     "the zip holds 102 files; a profile zip may hold 100"),
    ("too big in all", {"profile.json": SPEC, **{f"f{i}.png": bytes(700_000) for i in range(3)}},
     None, "the zip unpacks to 2 MB; at most 1.5 MB is accepted"),
    ("two of a name", {"profile.json": SPEC, "a/k.png": b"1", "b/k.png": b"2"}, None,
     "the zip holds two files named k.png"),
    ("bomb", {"k.png": bytes(30 * 2**20)}, lambda d: lie_about_size(d, 1000), "k.png in the zip"),
    ("damaged", {"k.png": bytes(range(256)) * 400, "profile.json": SPEC}, corrupt,
     "k.png in the zip is damaged or unreadable"),
    ("big json", {"profile.json": b" " * (2**20 + 1) + SPEC}, None,
     "profile.json in the zip is larger than 1 MB"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "members", "mangle", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_a_hostile_zip_is_refused_with_a_reason(
    client, users, media_root, monkeypatch, label, members, mangle, message
):
    monkeypatch.setattr(profiles, "MAX_ZIP_TOTAL_BYTES", 3 * 2**19)  # small, so the test is fast
    content = zipped(members)
    content = mangle(content) if mangle else content
    response = import_(client_for(client, users["owner"]), users, content)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not GameProfile.objects.exists()
    leftovers = [p for p in (media_root / "profiles").rglob("*") if p.is_file()]
    assert leftovers == []  # nothing unpacked stays behind


def test_members_are_unpacked_to_disk_not_held_in_memory(users, media_root):
    """The import takes the upload as a file and hands references on as unpacked files."""
    content = zipped({"profile.json": SPEC, "k.png": b"not really a png"})
    with pytest.raises(profiles.ProfileError, match="k.png"):  # the image is checked on load
        profiles.profile_import(
            team=users["team"], name="x", upload=io.BytesIO(content), filename="p.zip"
        )
    folder = media_root / "profiles"
    spec, files = profiles._read_zip(io.BytesIO(content), folder)
    assert spec["name"] == "x" and files == {"k.png": folder / "k.png"}
    assert (folder / "k.png").read_bytes() == b"not really a png"
