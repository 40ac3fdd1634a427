"""Game profiles in the site: immutable versions named by hash, import/export, the built-in ones.

A profile version is its JSON plus its reference screenshots, stored under
``MEDIA_ROOT/profiles/<version hash>/``. Saving the same JSON and images again makes no new
version; any change does, and only the replays that used the profile are re-detected.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import transaction

from coach.models import Team
from detectors import ProfileError, load_profile

from .models import GameProfile, ProfileVersion, Replay

MAX_REFERENCE_BYTES = 20 * 1024 * 1024
_SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


def _check_name(name: str) -> str:
    if not _SAFE_NAME.match(name) or name.startswith("."):
        raise ProfileError(f"reference file name {name!r} must be letters, digits, '.', '_', '-'")
    return name


def _references_of(spec: dict) -> set[str]:
    names: set[str] = set()
    for indicators in (spec.get("events") or {}).values():
        for ind in indicators or []:
            if isinstance(ind, dict) and isinstance(ind.get("reference"), str):
                names.add(ind["reference"])
    return names


@transaction.atomic
def profile_save_version(
    *,
    profile: GameProfile,
    spec: dict,
    files: dict[str, bytes],
    user=None,
    base: ProfileVersion | None = None,
) -> tuple[ProfileVersion, bool]:
    """Validates a profile JSON with its reference images and stores it as the next version.

    Args:
        profile: The profile to add a version to.
        spec: The profile JSON (references are bare file names).
        files: Reference images by file name; a reference not given here is taken from ``base``.
        user: Who saved it.
        base: The version whose reference files may be reused (usually the latest).

    Returns:
        The version and whether it is new (False: identical to the latest one).

    Raises:
        ProfileError: with one line naming the problem.
    """
    if not isinstance(spec, dict):
        raise ProfileError("the profile must be a JSON object")
    spec = {**spec, "name": profile.name}
    with tempfile.TemporaryDirectory(dir=_profiles_root()) as tmp:
        folder = Path(tmp)
        for name in _references_of(spec):
            _check_name(name)
            if name in files:
                if len(files[name]) > MAX_REFERENCE_BYTES:
                    raise ProfileError(f"reference {name} is larger than 20 MB")
                (folder / name).write_bytes(files[name])
            elif base is not None and (base.path / name).exists():
                shutil.copyfile(base.path / name, folder / name)
        loaded = load_profile(spec, base_dir=folder)
        latest = profile.latest
        if latest is not None and latest.version_hash == loaded.version_hash:
            return latest, False
        final = _profiles_root() / loaded.version_hash
        if not final.exists():
            shutil.copytree(folder, final)
    version = ProfileVersion.objects.create(
        profile=profile,
        number=(latest.number + 1) if latest else 1,
        spec=loaded.to_dict(),
        version_hash=loaded.version_hash,
        folder=str(final.relative_to(settings.MEDIA_ROOT)),
        created_by=user,
    )
    return version, True


def _profiles_root() -> Path:
    root = Path(settings.MEDIA_ROOT) / "profiles"
    root.mkdir(parents=True, exist_ok=True)
    return root


def profile_import(
    *, team: Team | None, name: str, upload: bytes, filename: str, user=None
) -> tuple[ProfileVersion, bool]:
    """Imports a profile from its JSON (references already known) or a zip of JSON + images."""
    if filename.lower().endswith(".zip") or upload[:4] == b"PK\x03\x04":
        spec, files = _read_zip(upload)
    else:
        spec, files = _parse_json(upload), {}
    name = (name or str(spec.get("name") or "")).strip()[:100]
    if not name:
        raise ProfileError("the profile needs a name")
    profile, _ = GameProfile.objects.get_or_create(team=team, name=name)
    return profile_save_version(
        profile=profile, spec=spec, files=files, user=user, base=profile.latest
    )


def _parse_json(data: bytes) -> dict:
    try:
        spec = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProfileError(f"malformed JSON: {exc}") from exc
    if not isinstance(spec, dict):
        raise ProfileError("the profile must be a JSON object")
    return spec


def _read_zip(data: bytes) -> tuple[dict, dict[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ProfileError("not a readable zip file") from exc
    spec, files = None, {}
    for info in archive.infolist():
        if info.is_dir():
            continue
        path = PurePosixPath(info.filename)
        if info.file_size > MAX_REFERENCE_BYTES:
            raise ProfileError(f"{info.filename} in the zip is larger than 20 MB")
        if path.suffix.lower() == ".json" and spec is None:
            spec = _parse_json(archive.read(info))
        else:
            files[_check_name(path.name)] = archive.read(info)
    if spec is None:
        raise ProfileError("the zip holds no profile JSON")
    return spec, files


def profile_export_zip(version: ProfileVersion) -> bytes:
    """The version as a zip: ``profile.json`` and its reference images beside it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("profile.json", json.dumps(version.spec, indent=2))
        for name in sorted(_references_of(version.spec)):
            archive.write(version.path / name, name)
    return buffer.getvalue()


def profiles_install_builtin() -> list[ProfileVersion]:
    """Installs (or updates) the profiles that ship with Film Room, usable by every team."""
    installed = []
    for path in BUILTIN_PROFILES:
        if not path.exists():
            continue
        spec = json.loads(path.read_text())
        files = {name: (path.parent / name).read_bytes() for name in _references_of(spec)}
        profile, _ = GameProfile.objects.get_or_create(team=None, name=spec["name"])
        version, _ = profile_save_version(profile=profile, spec=spec, files=files)
        installed.append(version)
    return installed


BUILTIN_PROFILES = [Path(settings.BASE_DIR) / "tournaments" / "arena" / "profile" / "arena.json"]


def replays_needing_detection(profile: GameProfile) -> list[Replay]:
    """Replays that use the profile but whose events came from an older version (or none)."""
    latest = profile.latest
    return [
        replay
        for replay in profile.replays.exclude(state__in=[Replay.QUEUED, Replay.RUNNING]).filter(
            frame_count__gt=0
        )
        if latest is not None and replay.detected_with_id != latest.pk
    ]
