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
import time
import zipfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import cv2
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from coach import storage
from coach.models import Team
from coach.params import plain_name
from detectors import ProfileError, VideoError, detect, load_profile
from detectors.matching import check_indicators
from detectors.probe import ProbeError, read_frame
from detectors.profile import Profile

from ..models import GameProfile, ProfileVersion, Replay
from ..services import replay_run_again

MAX_REFERENCE_BYTES = 20 * 1024 * 1024
# An imported zip: a profile has a handful of reference images, so these are generous; they
# bound what one upload can make the server unpack (a zip bomb declares little and inflates).
MAX_SPEC_BYTES = 1024 * 1024
MAX_ZIP_MEMBERS = 100
MAX_ZIP_TOTAL_BYTES = 100 * 1024 * 1024
_BLOCK = 1024 * 1024
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
    files: Mapping[str, bytes | Path],
    user=None,
    base: ProfileVersion | None = None,
) -> tuple[ProfileVersion, bool]:
    """Validates a profile JSON with its reference images and stores it as the next version.

    Args:
        profile: The profile to add a version to.
        spec: The profile JSON (references are bare file names).
        files: Reference images (bytes, or a file already unpacked) by file name; a reference
            not given here is taken from ``base``.
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
                given = files[name]
                if isinstance(given, Path):  # unpacked and size-checked by the import
                    shutil.copyfile(given, folder / name)
                    continue
                if len(given) > MAX_REFERENCE_BYTES:
                    raise ProfileError(f"reference {name} is larger than 20 MB")
                (folder / name).write_bytes(given)
            elif base is not None and (base.path / name).exists():
                shutil.copyfile(base.path / name, folder / name)
        try:
            loaded = load_profile(spec, base_dir=folder)
            # What detection would refuse on every replay (a flat box), and a box over half of
            # the screenshot (it matches the scene), refused here instead.
            check_indicators(loaded.indicators)
        except ProfileError as exc:  # name the file as the user did, not our temp folder
            raise ProfileError(str(exc).replace(f"{folder}/", "")) from None
        latest = profile.latest
        if latest is not None and latest.version_hash == loaded.version_hash:
            return latest, False
        final = _profiles_root() / loaded.version_hash
        if not final.exists():
            shutil.copytree(folder, final)
            storage.publish_tree(final)
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


@transaction.atomic
def profile_import(
    *, team: Team | None, name: str, upload: bytes | BinaryIO, filename: str, user=None
) -> tuple[ProfileVersion, bool]:
    """Imports a profile from its JSON (references already known) or a zip of JSON + images.

    A zip is unpacked member by member to a scratch folder, never into memory, within
    ``MAX_ZIP_MEMBERS`` members and ``MAX_ZIP_TOTAL_BYTES`` unpacked, counted as it inflates.

    Raises:
        ProfileError: with one line naming the problem (a corrupt member included).
    """
    source = io.BytesIO(upload) if isinstance(upload, bytes) else upload
    source.seek(0)
    is_zip = source.read(4) == b"PK\x03\x04"
    source.seek(0)
    with tempfile.TemporaryDirectory(dir=_profiles_root()) as scratch:
        if filename.lower().endswith(".zip") or is_zip:
            spec, files = _read_zip(source, Path(scratch))
        else:
            spec, files = _parse_json(_read_at_most(source, MAX_SPEC_BYTES, "the profile")), {}
        if not isinstance(spec.get("events"), dict):
            # Some other JSON (an agent's zip, a labels file): say what a profile is.
            raise ProfileError(
                'this is not a game profile: its JSON has no "events" (a profile\'s Export'
                " gives a zip of profile.json and its reference images)"
            )
        name = _profile_name(name or str(spec.get("name") or ""))
        profile, _ = GameProfile.objects.get_or_create(team=team, name=name)
        return profile_save_version(
            profile=profile, spec=spec, files=files, user=user, base=profile.latest
        )


NAME_MAX = 100  # GameProfile.name's max_length


def _profile_name(text: str) -> str:
    """A profile's name as typed (or as its file gives it): refused when empty or too long,
    never cut short without a word."""
    name = plain_name(text)
    if not name:
        raise ProfileError("the profile needs a name")
    if len(name) > NAME_MAX:
        raise ProfileError(f"the name is {len(name)} characters; {NAME_MAX} at most")
    return name


def _read_at_most(source: BinaryIO, limit: int, label: str) -> bytes:
    data = source.read(limit + 1)
    if len(data) > limit:
        raise ProfileError(f"{label} is larger than {_mb(limit)}")
    return data


def _mb(n: int) -> str:
    return f"{n / 2**20:g} MB"


def _parse_json(data: bytes) -> dict:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ProfileError("not a profile: expected a .json file or a .zip") from None
    try:
        spec = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProfileError(f"malformed JSON: {exc}") from exc
    if not isinstance(spec, dict):
        raise ProfileError("the profile must be a JSON object")
    return spec


# What a damaged or unsupported member raises while it is read (CRC, deflate, encryption).
_ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
                    RuntimeError, ValueError)  # fmt: skip


def _read_zip(source: BinaryIO, folder: Path) -> tuple[dict, dict[str, Path]]:
    """The profile JSON and its images, unpacked into ``folder`` within the limits."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ProfileError("not a readable zip file") from exc
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise ProfileError(
                f"the zip holds {len(members)} files; a profile zip may hold {MAX_ZIP_MEMBERS}"
            )
        declared = sum(info.file_size for info in members)
        if declared > MAX_ZIP_TOTAL_BYTES:
            raise ProfileError(
                f"the zip unpacks to {declared / 2**20:.0f} MB; at most "
                f"{_mb(MAX_ZIP_TOTAL_BYTES)} is accepted"
            )
        spec, files, budget = None, {}, MAX_ZIP_TOTAL_BYTES
        # The spec: profile.json (what Export writes), else the zip's first JSON file.
        jsons = [i for i in members if PurePosixPath(i.filename).suffix.lower() == ".json"]
        named = [i for i in jsons if PurePosixPath(i.filename).name == "profile.json"]
        spec_member = (named or jsons or [None])[0]
        for info in members:
            path = PurePosixPath(info.filename)
            is_spec = info is spec_member
            limit = MAX_SPEC_BYTES if is_spec else MAX_REFERENCE_BYTES
            if info.file_size > limit:
                raise ProfileError(f"{info.filename} in the zip is larger than {_mb(limit)}")
            if is_spec:
                data = _unpack(archive, info, limit, budget)
                budget -= len(data)
                spec = _parse_json(data)
                continue
            name = _check_name(path.name)
            if name in files:
                raise ProfileError(f"the zip holds two files named {name}")
            files[name] = folder / name
            with files[name].open("wb") as out:
                budget -= _unpack(archive, info, limit, budget, out)
    if spec is None:
        raise ProfileError("the zip holds no profile JSON")
    return spec, files


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, budget: int, out=None):
    """Inflates one member block by block, counting the bytes that really come out.

    Returns the bytes (``out`` None) or how many were written to ``out``.
    """
    chunks, count = [], 0
    try:
        with archive.open(info) as member:
            while block := member.read(_BLOCK):
                count += len(block)
                if count > limit or count > budget:
                    raise ProfileError(
                        f"{info.filename} in the zip unpacks to more than it declares "
                        f"or is allowed ({_mb(min(limit, budget))})"
                    )
                if out is None:
                    chunks.append(block)
                else:
                    out.write(block)
    except _ZIP_READ_ERRORS as exc:
        raise ProfileError(f"{info.filename} in the zip is damaged or unreadable ({exc})") from None
    return b"".join(chunks) if out is None else count


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
    """Replays that use the profile but whose events came from an older version (or none).

    Not those the latest version failed by its own error (``Replay.profile_at_fault``): they
    would fail the same way again.
    """
    latest = profile.latest
    return [
        replay
        for replay in profile.replays.exclude(state__in=[Replay.QUEUED, Replay.RUNNING]).filter(
            frame_count__gt=0
        )
        if latest is not None
        and replay.detected_with_id != latest.pk
        and not (replay.state == Replay.FAILED and replay.failed_with_id == latest.pk)
    ]


# --- The in-browser editor: a draft of indicators becomes a spec, a preview or a new version. ---

PREVIEW_BUDGET_S = 20.0
_KINDS = ("kill", "death")


def replay_frame_png(replay: Replay, number: int) -> bytes:
    """The exact frame ``number`` of the replay's frame index, encoded as PNG.

    Raises:
        ProfileError: if the replay has no such frame or it cannot be decoded.
    """
    times = replay.frame_times() if storage.exists(replay.frame_index_path) else []
    if not 0 <= number < len(times):
        raise ProfileError(f"frame {number} is outside the replay (it has {len(times)} frames)")
    try:
        rgb = read_frame(storage.fetch(replay.path), float(times[number]))
    except ProbeError as exc:
        raise ProfileError(str(exc)) from exc
    ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ProfileError(f"frame {number} could not be encoded as PNG")
    return png.tobytes()


def profile_draft_spec(
    *,
    indicators: object,
    replays: QuerySet[Replay],
    base: ProfileVersion | None,
    name: str,
) -> tuple[dict, dict[str, bytes]]:
    """Builds a profile JSON and its new reference images from the editor's draft.

    Args:
        indicators: The draft's list. A new indicator is ``{kind, replay, frame, box,
            threshold?}`` (its frame becomes the reference); a kept one is ``{kind, reference,
            box, search?, threshold?}`` with a reference of ``base``.
        replays: The replays new indicators may be cut from (the caller's ownership scope).
        base: The version kept indicators come from (and whose other settings are kept).
        name: The profile's name.

    Returns:
        The spec and the new reference images by file name.

    Raises:
        ProfileError: one line naming the first bad indicator and why.
    """
    if not isinstance(indicators, list) or not indicators:
        raise ProfileError("add at least one indicator (a box around a kill or death sign)")
    known = _references_of(base.spec) if base is not None else set()
    # A kept indicator saved before a check Save makes now (a box over half of its screenshot)
    # cannot be saved again as it is: say which one and how to fix it in the editor.
    refused = base_refusals(base) if base is not None else {}
    events: dict[str, list[dict]] = {}
    files: dict[str, bytes] = {}
    for i, item in enumerate(indicators, 1):
        if not isinstance(item, dict):
            raise ProfileError(f"indicator {i} must be an object")
        kind = item.get("kind")
        if kind not in _KINDS:
            raise ProfileError(f"indicator {i} has unknown kind {kind!r} (expected kill or death)")
        entry: dict = {}
        if item.get("reference") is not None:
            ref = item["reference"]
            if ref not in known:
                raise ProfileError(f"indicator {i} names an unknown reference {ref!r}")
            entry["reference"] = ref
            box = item.get("box")
            plain = isinstance(box, list) and all(isinstance(v, int | float) for v in box)
            message = refused.get((kind, ref, tuple(box))) if plain else None
            if message is not None and base is not None:
                raise ProfileError(
                    f"indicator {i} ({kind}, kept from v{base.number}) needs a new box: {message}. "
                    "Remove it and add it again from a frame of a replay"
                )
            if item.get("search") is not None:
                entry["search"] = item["search"]
        else:
            replay, number = _draft_frame(i, item, replays)
            size = (replay.width, replay.height)
            entry["reference"] = f"{kind}-r{replay.pk}-f{number}.png"
            _check_box(i, item.get("box"), size)
            if entry["reference"] not in files:
                files[entry["reference"]] = replay_frame_png(replay, number)
        entry["box"] = item.get("box")
        if item.get("threshold") not in (None, ""):
            entry["threshold"] = _threshold(i, item["threshold"])
        events.setdefault(kind, []).append(entry)
    spec = {k: v for k, v in (base.spec if base is not None else {}).items() if k != "events"}
    spec.update({"name": name, "events": events})
    spec.setdefault("min_gap_s", 2.0)
    return spec, files


def _draft_frame(i: int, item: dict, replays: QuerySet[Replay]) -> tuple[Replay, int]:
    try:
        replay_id, number = int(item.get("replay")), int(item.get("frame"))
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"indicator {i} needs a replay and a frame number") from exc
    replay = replays.filter(pk=replay_id).first()
    if replay is None:
        raise ProfileError(f"indicator {i}: replay {replay_id} is not one of this team's replays")
    if not 0 <= number < replay.frame_count:
        raise ProfileError(f"indicator {i}: frame {number} is outside replay {replay_id}")
    return replay, number


def _check_box(i: int, box: object, size: tuple[int, int]) -> None:
    width, height = size
    if (
        not isinstance(box, list)
        or len(box) != 4
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in box)
    ):
        raise ProfileError(f"indicator {i}: the box must be four integers [x, y, w, h]")
    x, y, w, h = box
    if w < 4 or h < 4:
        raise ProfileError(f"indicator {i}: the box {box} is too small (at least 4x4 pixels)")
    if x < 0 or y < 0 or x + w > width or y + h > height:
        raise ProfileError(
            f"indicator {i}: the box {box} lies outside the frame ({width}x{height})"
        )


def _threshold(i: int, value: object) -> float:
    try:
        threshold = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"indicator {i}: the threshold must be a number in [0, 1]") from exc
    if not 0.0 <= threshold <= 1.0:
        raise ProfileError(f"indicator {i}: the threshold must be a number in [0, 1]")
    return threshold


def profile_preview(
    *,
    spec: dict,
    files: dict[str, bytes],
    base: ProfileVersion | None,
    replay: Replay,
    budget_s: float | None = None,
) -> dict:
    """Runs a draft profile on one replay within a time budget, storing nothing.

    Returns:
        ``{"events": [{kind, frame, time_s, confidence, source}], "complete", "message",
        "frames_decoded", "frames_total"}``.

    Raises:
        ProfileError: if the draft is not a usable profile.
    """
    budget = PREVIEW_BUDGET_S if budget_s is None else budget_s
    with tempfile.TemporaryDirectory(dir=_profiles_root()) as tmp:
        folder = Path(tmp)
        for name in _references_of(spec):
            if name in files:
                (folder / _check_name(name)).write_bytes(files[name])
            elif base is not None and (base.path / name).exists():
                shutil.copyfile(base.path / name, folder / _check_name(name))
        profile = load_profile(spec, base_dir=folder)
        check_indicators(profile.indicators)  # what Save would refuse, refused here too
        deadline = time.monotonic() + budget
        try:
            result = detect(
                storage.fetch(replay.path),
                profile,
                frame_index=replay.frame_times(),
                should_stop=lambda: time.monotonic() > deadline,
            )
        except VideoError as exc:
            raise ProfileError(f"cannot read the replay: {exc}") from exc
    message = result.message
    if not result.complete and time.monotonic() > deadline:
        message = f"stopped after {budget:g} s: {message}"
    return {
        "events": [e.to_dict() for e in result.events],
        "complete": result.complete,
        "message": message,
        "frames_decoded": result.frames_decoded,
        "frames_total": result.frames_total,
    }


@transaction.atomic
def profile_save_draft(
    *,
    profile: GameProfile | None,
    team: Team | None,
    name: str,
    indicators: object,
    replays: QuerySet[Replay],
    user=None,
) -> tuple[ProfileVersion, bool]:
    """Saves the editor's draft as the next version (creating the profile when it is new).

    Raises:
        ProfileError: a bad draft, or a new profile whose name the team already uses; nothing
            is left behind then.
    """
    if profile is None:
        name = _profile_name(name or "")
        if GameProfile.objects.filter(team=team, name=name).exists():
            raise ProfileError(f"a profile named {name!r} already exists in this team")
        profile = GameProfile.objects.create(team=team, name=name)
    base = profile.latest
    spec, files = profile_draft_spec(
        indicators=indicators, replays=replays, base=base, name=profile.name
    )
    return profile_save_version(profile=profile, spec=spec, files=files, user=user, base=base)


def profile_redetect(profile: GameProfile, replays: QuerySet[Replay]) -> int:
    """Re-runs the job of every replay in ``replays`` whose events predate the latest version.

    Each goes through ``replay_run_again``, as *Process again* does: a replay queued or running
    by now (another Re-detect, a Save at the same moment) is not handed out a second time, an
    unusable file or one the latest version failed by its own error is not run, and the new run
    starts with its own restarts.

    Returns:
        How many replays were enqueued.
    """
    allowed = set(replays.values_list("pk", flat=True))
    todo = [r for r in replays_needing_detection(profile) if r.pk in allowed]
    return sum(replay_run_again(replay) for replay in todo)


def profile_reference_names(version: ProfileVersion) -> set[str]:
    """The reference image file names a version's JSON uses (the only files it may serve)."""
    return _references_of(version.spec)


# Versions are immutable: what is read from a loaded version is worked out once per process.
_PER_VERSION: dict[tuple[str, str], dict] = {}


def _once_per_version(version: ProfileVersion, name: str, read: Callable[[Profile], dict]) -> dict:
    """``read(loaded version)``, kept by (version, ``name``); {} when the version cannot load."""
    key = (version.version_hash, name)
    found = _PER_VERSION.get(key)
    if found is None:
        try:
            loaded = load_profile(version.spec, base_dir=version.path)
        except ProfileError:
            return {}
        found = read(loaded)
        if len(_PER_VERSION) >= 512:
            _PER_VERSION.clear()
        _PER_VERSION[key] = found
    return found


def own_pixel_shares(version: ProfileVersion) -> dict[tuple[str, int], float]:
    """For each indicator of ``version`` (kind, position within the kind) that other screenshots
    of it agree with, the share of its box they agree on (``detectors.agreement``): detection
    matches it on those pixels too. Indicators matched on their whole box are left out."""

    def read(loaded: Profile) -> dict[tuple[str, int], float]:
        shares, seen = {}, {}
        for ind in loaded.indicators:
            i = seen[ind.kind] = seen.get(ind.kind, -1) + 1
            if ind.own is not None:
                shares[(ind.kind, i)] = float(ind.own.mean())
        return shares

    return _once_per_version(version, "own", read)


def base_refusals(version: ProfileVersion) -> dict[tuple[str, str, tuple[int, ...]], str]:
    """What Save refuses now in indicators ``version`` was saved with before the check existed
    (a box over half of its screenshot), by (kind, reference, box): the refusal's message.

    Such a version keeps detecting; only saving it again as it is is refused, so the editor
    marks these indicators as needing a new box from the moment it opens.
    """

    def read(loaded: Profile) -> dict[tuple[str, str, tuple[int, ...]], str]:
        refusals = {}
        for ind in loaded.indicators:
            try:
                check_indicators([ind])
            except ProfileError as exc:
                key = (ind.kind, ind.reference, tuple(ind.box))
                refusals[key] = str(exc).replace(f"{version.path}/", "")
        return refusals

    return _once_per_version(version, "refusals", read)
