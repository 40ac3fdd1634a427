"""Demo data for a first run: a team with a coach and a player, and a few short replays."""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from coach.models import DemoAccount, Membership, Team, team_name_free
from replays.services import replay_ingest_file

DEMO_TEAM = "Demo Team"


def demo_login_file() -> Path:
    return Path(settings.VAR_DIR) / "demo_login.txt"


def _demo_replays(team: Team, player, folder: Path) -> None:
    """Two synthetic shooter matches with their profile, and one rendered arena match."""
    from detectors.synth import make_match
    from replays.models import GameProfile
    from replays.profiles.services import profile_import, profiles_install_builtin
    from tournaments.arena.video import render_match_video

    made = []
    for n, (kills, deaths) in enumerate((((4.0, 11.0, 12.0), (7.5,)), ((3.0,), (6.0, 13.0)))):
        made.append(
            make_match(
                folder / f"match{n + 1}",
                duration_s=18,
                fps=30,
                size=(1280, 720),
                kills=kills,
                deaths=deaths,
                allies=(),
                name="shooter",
                seed=n,
            )
        )
    version, _ = profile_import(
        team=team,
        name="Shooter (synthetic)",
        upload=_zip_profile(made[0].profile),
        filename="shooter.zip",
    )
    for n, match in enumerate(made, 1):
        replay_ingest_file(
            team=team,
            uploader=player,
            source=match.video,
            original_name=f"ranked_match_{n}.mp4",
            move=False,
            profile=version.profile,
            enqueue=False,
        )
    profiles_install_builtin()
    arena = GameProfile.objects.filter(team=None, name="arena").first()
    video = folder / "arena_kaito_vs_brick.mp4"
    render_match_video(
        video,
        seed=7,
        agents=("cpu_hard", "cpu_easy"),
        round_seconds=30,
        max_rounds=3,
        scale=2,
        fps=30,
    )
    replay_ingest_file(
        team=team,
        uploader=player,
        source=video,
        original_name=video.name,
        move=False,
        profile=arena,
        enqueue=False,
    )


def _demo_agent(team: Team, owner, folder: Path) -> None:
    """An imitation agent trained on the spot from recorded play of the hard CPU (~10 s)."""
    from tournaments.agents.bc import BCArgs, train_bc
    from tournaments.agents.record import record_bot_dataset
    from tournaments.services import agent_upload

    data = record_bot_dataset(
        folder / "cpu_hard_play", bot="cpu_hard", opponent="cpu_easy", matches=8, seed=1
    )
    result = train_bc(
        BCArgs(datasets=[str(data)], total_steps=300, eval_every=150, out=str(folder / "copycat"))
    )
    with (folder / "copycat" / "agent.zip").open("rb") as fh:
        agent_upload(
            team=team,
            owner=owner,
            name="Copycat",
            upload=fh,
            description="Behaviour cloning of the hard CPU (demo data), "
            f"{result['heldout_agreement']:.0%} held-out agreement.",
        )


def _zip_profile(profile_json: Path) -> bytes:
    import io
    import json
    import zipfile

    spec = profile_json.read_bytes()
    refs = {i["reference"] for inds in json.loads(spec)["events"].values() for i in inds}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("profile.json", spec)
        for name in refs:
            archive.write(profile_json.parent / name, name)
    return buf.getvalue()


@dataclass
class DemoLogin:
    """What ``manage.py demo`` prints: the accounts it made, their password, and why."""

    password: str
    created: bool
    usernames: dict[str, str] = field(default_factory=dict)  # role -> username
    notes: list[str] = field(default_factory=list)


@transaction.atomic
def demo_setup() -> DemoLogin:
    """Creates the demo team, users and replays once (see :func:`demo_accounts`)."""
    login, team = demo_accounts()
    if not login.created:
        return login
    folder = Path(settings.VAR_DIR) / "demo-media"
    # Scratch files of an earlier demo whose database was removed (make clean): made anew.
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    User = get_user_model()
    _demo_replays(team, User.objects.get(username=login.usernames["player"]), folder)
    _demo_agent(team, User.objects.get(username=login.usernames["coach"]), folder)
    return login


def demo_accounts() -> tuple[DemoLogin, Team]:
    """The demo's team and its coach and player, made on the first run.

    Only accounts the demo created itself (a ``DemoAccount`` row) are ever changed: a user who
    signed up as ``player`` or ``coach`` keeps their password and teams, and the demo makes its
    own account under a free name instead (the returned notes say so). The password is new only
    when the login file was lost.
    """
    login_file = demo_login_file()
    accounts = {a.role: a for a in DemoAccount.objects.select_related("user", "team")}
    team = next(iter(accounts.values())).team if accounts else None
    if team is not None and login_file.exists():
        names = {role: a.user.get_username() for role, a in accounts.items()}
        return DemoLogin(login_file.read_text().strip(), False, names), team
    password = secrets.token_urlsafe(9)
    login = DemoLogin(password, team is None)
    if team is None:
        name = team_name_free(DEMO_TEAM)  # another team may be called so already
        team = Team.objects.create(name=name, slug=_free(Team, "slug", "demo"))
    for role in (Membership.COACH, Membership.PLAYER):
        account = accounts.get(role) or _demo_account(team, role, login.notes)
        account.user.set_password(password)
        account.user.save(update_fields=["password"])
        Membership.objects.get_or_create(team=team, user=account.user, defaults={"role": role})
        login.usernames[role] = account.user.get_username()
    login_file.write_text(password)
    login_file.chmod(0o600)
    return login, team


def _demo_account(team: Team, role: str, notes: list[str]) -> DemoAccount:
    """A new user for the demo, named after its role unless someone already has that name."""
    User = get_user_model()
    username = _free(User, "username", role, first=f"demo-{role}")
    if username != role:
        notes.append(
            f"A user named {role!r} already exists and was not made by the demo: left untouched; "
            f"the demo {role} is {username!r}."
        )
    user = User.objects.create_user(username=username)
    return DemoAccount.objects.create(user=user, team=team, role=role)


def _free(model, field_name: str, wanted: str, first: str | None = None) -> str:
    """``wanted`` if no row has it, else ``first``, ``first-2``, ``first-3``…"""
    candidates = [wanted, first or wanted, *(f"{first or wanted}-{n}" for n in range(2, 1000))]
    for candidate in candidates:
        if not model.objects.filter(**{field_name: candidate}).exists():
            return candidate
    raise RuntimeError(f"no free {field_name} near {wanted!r}")
