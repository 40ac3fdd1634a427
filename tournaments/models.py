"""Agents for the arena, the matches they play, and datasets recorded from people playing."""

from __future__ import annotations

import builtins
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse

from coach import storage
from coach.models import Team, TeamOwnedQuerySet
from coach.reasons import without_server_paths


class Agent(models.Model):
    """A trained fighter: safetensors weights + a JSON config, stored under MEDIA_ROOT."""

    CHECKING, EVALUATING, READY, FAILED = "checking", "evaluating", "ready", "failed"
    STATES = [
        (CHECKING, "Checking"),
        (EVALUATING, "Evaluating"),
        (READY, "Ready"),
        (FAILED, "Failed"),
    ]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="agents")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="agents"
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    architecture = models.CharField(max_length=50)
    obs_type = models.CharField(max_length=10)
    frame_skip = models.PositiveIntegerField()
    config = models.JSONField()
    folder = models.CharField(max_length=300, help_text="Media folder with the agent's files.")
    has_metrics = models.BooleanField(default=False)
    state = models.CharField(max_length=12, choices=STATES, default=EVALUATING)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="agent_name_per_team")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tournaments:agent", args=[self.pk])

    def may_be_deleted_by(self, user) -> bool:
        """Its owner, the team's coach, or staff."""
        return user.is_authenticated and (self.owner_id == user.pk or self.team.is_coached_by(user))

    @property
    def path(self) -> Path:
        # Small and never changed once uploaded: remote media is fetched whole on first use.
        return storage.fetch_tree(Path(settings.MEDIA_ROOT) / self.folder)

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.csv"

    @property
    def failure_text(self) -> str:
        """Why it was not accepted, as its page shows it (no server paths)."""
        return without_server_paths(self.failure_reason)

    def record(self, seen: models.QuerySet | None = None) -> dict[str, int]:
        """Wins, losses and draws over the matches of ``seen`` (a viewer's
        ``Match.objects.visible_to``; every match by default) this agent played: another team's
        private games would tell their results through the house agent's record.

        Only :meth:`MatchQuerySet.counted` matches: a game ending after its tournament was
        cancelled is in no record, as it is in no rating."""
        wins = losses = draws = 0
        played = models.Q(p1_agent=self) | models.Q(p2_agent=self)
        for match in (Match.objects.all() if seen is None else seen).counted().filter(played):
            side = "p1" if match.p1_agent_id == self.pk else "p2"
            if match.winner == "draw":
                draws += 1
            elif match.winner == side:
                wins += 1
            elif match.winner:
                losses += 1
        return {"wins": wins, "losses": losses, "draws": draws}


def _cut_short() -> models.Exists:
    """Whether the outer match is the game of a slot its tournament left undecided."""
    return models.Exists(TournamentMatch.objects.cut_short().filter(match=models.OuterRef("pk")))


class MatchQuerySet(models.QuerySet):
    def counted(self) -> MatchQuerySet:
        """Without the games their tournament did not take: one still being played when its
        tournament was cancelled ends on its own, outside the bracket and the ratings (the
        leaderboard), and so outside every record (:meth:`TournamentMatchQuerySet.cut_short`)."""
        return self.exclude(_cut_short())

    def with_cut_short(self) -> MatchQuerySet:
        """Each match with ``cut_short``: True for a game :meth:`counted` leaves out, so a list
        of games can say which ones are in no record."""
        return self.annotate(cut_short=_cut_short())

    def visible_to(self, user) -> MatchQuerySet:
        """Public matches to anyone; a team's private match to that team only; a match of no
        team to the teams of its agents.

        A team's match does not let in the teams of its agents: the house agent (Copycat) may
        be entered by every team, and its owners must not see another team's private games.
        """
        if user.is_authenticated and user.is_staff:
            return self.all()
        seen = models.Q(public=True)
        if user.is_authenticated:
            mine = user.memberships.values("team_id")
            agents = models.Q(p1_agent__team__in=mine) | models.Q(p2_agent__team__in=mine)
            seen |= models.Q(team__in=mine) | (models.Q(team__isnull=True) & agents)
        return self.filter(seen)


# Why a queued game never ran: its tournament was cancelled (``tournament_cancel``).
NOT_PLAYED_CANCELLED = "not played: the tournament was cancelled"


class Match(models.Model):
    """One match of the arena: fully described by (seed, characters, rules, action log).

    A side is played by an Agent (``p1_agent``/``p2_agent``), a built-in bot (agent null,
    label ``random``/``cpu_easy``/``cpu_medium``/``cpu_hard``) or a person (play page). Runs
    through ``tournaments.matches.match_run``: scheduled → running → done (or failed).
    """

    KINDS = [
        ("evaluation", "Evaluation"),
        ("tournament", "Tournament"),
        ("play", "Human play"),
        ("exhibition", "Exhibition"),
    ]
    SCHEDULED, RUNNING, DONE, FAILED = "scheduled", "running", "done", "failed"
    # A play-page match while its game is being built (``play.start_match``): not yet running.
    STARTING = "starting"
    # A play-page match its player left before the end (``play.finish_match``): kept, with the
    # ticks played and why in ``failure_reason``, so its spectators' link still says what became
    # of it, and its games up to the stop, so its page replays them. No winner, so in no record
    # (an agent's page lists it apart); not an error, so not failed.
    STOPPED = "stopped"
    STATES = [
        (SCHEDULED, "Scheduled"),
        (STARTING, "Starting"),
        (RUNNING, "Running"),
        (DONE, "Done"),
        (FAILED, "Failed"),
        (STOPPED, "Stopped"),
    ]
    LIVE = (STARTING, RUNNING)

    # A deleted agent's tournament games stay as the record of the tournament (its name stays
    # in the label, and a game replays from its record alone); its other matches go with it
    # (``services.agent_delete``).
    p1_agent = models.ForeignKey(
        Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    p2_agent = models.ForeignKey(
        Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    p1_label = models.CharField(max_length=100, help_text="Who played p1 (agent, bot or person).")
    p2_label = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=KINDS, default="evaluation")
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="matches",
        help_text="The team whose match it is (private matches); None for house matches.",
    )
    seed = models.BigIntegerField()
    characters = models.JSONField()
    best_of = models.PositiveSmallIntegerField(default=1, help_text="Games in the match (odd).")
    max_rounds = models.PositiveSmallIntegerField(default=3, help_text="Rounds per game.")
    round_seconds = models.PositiveSmallIntegerField(default=99)
    live = models.BooleanField(default=False, help_text="Played at 60 ticks/s and broadcast.")
    public = models.BooleanField(default=False, help_text="Anyone may watch, without a login.")
    state = models.CharField(max_length=10, choices=STATES, default=SCHEDULED)
    record = models.JSONField(
        default=dict, help_text="MatchRecord.to_dict() of the last game: replays it bit for bit."
    )
    games = models.JSONField(
        default=list, help_text="MatchRecord.to_dict() of every game of the match, in order."
    )
    winner = models.CharField(max_length=5, blank=True)
    forfeit_reason = models.TextField(blank=True, help_text="Forfeits, one line per game.")
    failure_reason = models.TextField(blank=True)
    ticks = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times a worker started it.")
    worker_pid = models.IntegerField(null=True, blank=True)
    task_func = models.CharField(
        max_length=200,
        blank=True,
        help_text="The django-q2 task playing it (run again after a crash).",
    )
    task_args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = MatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "matches"

    def __str__(self) -> str:
        return f"{self.p1_label} vs {self.p2_label} ({self.winner or 'unfinished'})"

    def get_absolute_url(self) -> str:
        return reverse("matches:detail", args=[self.pk])

    def visible_to(self, user) -> bool:
        """Whether ``user`` may watch this match (:meth:`MatchQuerySet.visible_to`)."""
        return self.public or Match.objects.visible_to(user).filter(pk=self.pk).exists()

    @property
    def replayable(self) -> bool:
        """Its games can be watched again from their records: played to its end, or stopped by
        its player after its first tick (the games up to the stop, ``play.finish_match``)."""
        return self.state in (Match.DONE, Match.STOPPED) and bool(self.games)

    @property
    def length_text(self) -> str:
        """What a list of games says of this one's length: its ticks once played, else why
        there are none (a game its tournament's cancel took from the queue never ran: "0
        ticks" read as a game that ended at once)."""
        if self.state == Match.SCHEDULED:
            return "queued"
        if self.state == Match.STARTING:
            return "starting"
        if self.state == Match.RUNNING:
            return "playing"
        if self.state == Match.FAILED and self.started_at is None:
            why = "cancelled" if self.failure_reason == NOT_PLAYED_CANCELLED else "failed"
            return f"not played · {why}"
        if self.state == Match.FAILED:  # no ticks: it failed before its first (a side not built)
            return f"failed after {self.ticks} ticks" if self.ticks else "failed"
        if self.state == Match.STOPPED:
            return f"stopped after {self.ticks} ticks"
        return f"{self.ticks} ticks"

    @property
    def failure_text(self) -> str:
        """Why a game that started failed (or was stopped: its player left), as spectators read
        it (:func:`readable_reason`); empty for any other game, and for one whose tournament's
        cancel replaced its reason."""
        if self.state == Match.STOPPED:
            return readable_reason(self.failure_reason)
        if self.state != Match.FAILED or self.started_at is None:
            return ""
        if self.failure_reason == NOT_PLAYED_CANCELLED:
            return ""
        return readable_reason(self.failure_reason)

    @property
    def forfeit_text(self) -> str:
        """The forfeits, one line a game, as its page shows them (no server paths)."""
        return without_server_paths(self.forfeit_reason)


def error_reason(exc: BaseException) -> str:
    """The reason stored for a game that raised: its exception's class and text, whole (for
    staff and the log; :func:`readable_reason` is what players and spectators read)."""
    return f"{type(exc).__name__}: {exc}"[:2000]


# The exception class that :func:`error_reason` starts a reason with: a name ending in Error,
# Exception or Warning, or one of Python's own exceptions named otherwise (StopIteration,
# KeyboardInterrupt, SystemExit, GeneratorExit, Exception, ExceptionGroup, ...). Not any word
# before a colon: a reason the site writes itself ("abandoned: ...", "not played: ...") keeps it.
_BUILTIN_EXCEPTIONS = sorted(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)
_EXCEPTION_CLASS = re.compile(
    rf"^(?:on finish: )?(?:[A-Z]\w*(?:Error|Exception|Warning)|{'|'.join(_BUILTIN_EXCEPTIONS)}): "
)


# Why a game stopped, for an exception that said nothing (``MemoryError()``, ``TimeoutError()``)
# whose class tells it; any other says it was unexplained.
_UNSAID = {
    "MemoryError": "the server ran out of memory",
    "TimeoutError": "something it waited for timed out",
    "KeyboardInterrupt": "the server process was shut down",
    "SystemExit": "the server process was shut down",
}


def readable_reason(reason: str) -> str:
    """A stopped game's reason for spectators: without the exception's class name that the
    runner's record starts with (``RuntimeError: agent x could not be loaded``), an OS error's
    number (``[Errno 2]``, ``[WinError 3]``), or a server path (:func:`without_server_paths`).
    The stored reason keeps them all.

    An exception without a message (``RuntimeError: ``) leaves no words: the reason then says
    what failed, the game or storing its result (``on finish: ``), and why where its class
    tells it (``_UNSAID``), never the class's name. Nothing stored is still nothing."""
    shown = _EXCEPTION_CLASS.sub("", reason or "")
    shown = without_server_paths(re.sub(r"\[(?:Errno|WinError) -?\d+\] ", "", shown))
    if shown.strip() or not reason:
        return shown
    finish, cls = re.match(r"(on finish: )?(\w*)", reason).groups()
    what = "storing the game's result failed" if finish else "the game stopped"
    why = _UNSAID.get(cls)
    return f"{what}: {why}" if why else f"{what} on an unexplained error"


class Dataset(models.Model):
    """Ticks recorded while a person played in the browser: observations, keys, K.O. flags."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="datasets")
    player = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    opponent = models.CharField(max_length=100)
    characters = models.JSONField()
    folder = models.CharField(max_length=300)
    ticks = models.PositiveIntegerField(default=0)
    winner = models.CharField(max_length=5, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The match being recorded into it: while that match runs, the recording is still being
    # written (a match its player left before the end is marked stopped; one that stopped on
    # an error, failed). Either way the recording keeps what was played.
    match = models.ForeignKey(
        Match, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TeamOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.player} vs {self.opponent} ({self.ticks} ticks)"

    @property
    def recording(self) -> bool:
        """Still being written: its match is starting or running."""
        return self.match is not None and self.match.state in Match.LIVE

    def may_be_deleted_by(self, user) -> bool:
        """The person who played it, or the team's coach."""
        if not user.is_authenticated:
            return False
        return self.player_id == user.pk or self.team.is_coached_by(user)

    @property
    def path(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.folder


# --- Tournaments: brackets of agents and house bots, their matches and ratings -----------------


class TournamentQuerySet(TeamOwnedQuerySet):
    def watchable_by(self, user) -> TournamentQuerySet:
        """Public tournaments, and the private ones of the user's teams."""
        mine = self.visible_to(user).values("pk") if user.is_authenticated else []
        return self.filter(models.Q(public=True) | models.Q(pk__in=mine))


class Tournament(models.Model):
    """A bracket between entrants; ``bracket`` is the stored ``tournaments.brackets.Bracket``."""

    FORMATS = [
        ("single", "Single elimination"),
        ("double", "Double elimination"),
        ("round_robin", "Round robin"),
        ("swiss", "Swiss"),
    ]
    DRAFT, RUNNING, FINISHED, CANCELLED = "draft", "running", "finished", "cancelled"
    STATES = [
        (DRAFT, "Taking entrants"),
        (RUNNING, "Running"),
        (FINISHED, "Finished"),
        (CANCELLED, "Cancelled"),
    ]
    SEEDINGS = [("rating", "By rating"), ("manual", "By hand (entry order)")]

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="tournaments")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    name = models.CharField(max_length=100)
    format = models.CharField(max_length=12, choices=FORMATS, default="single")
    options = models.JSONField(default=dict, blank=True, help_text="brackets.Options + rules.")
    best_of = models.PositiveSmallIntegerField(default=1)
    banned_characters = models.JSONField(default=list, blank=True)
    public = models.BooleanField(default=True)
    seeding = models.CharField(max_length=8, choices=SEEDINGS, default="rating")
    state = models.CharField(max_length=10, choices=STATES, default=DRAFT)
    bracket = models.JSONField(null=True, blank=True)
    champion = models.ForeignKey(
        "Entrant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TournamentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("bracket:detail", args=[self.pk])

    @property
    def group(self) -> str:
        """The channel group its spectators join."""
        return f"tournament-{self.pk}"


class Entrant(models.Model):
    """One side in a tournament: an uploaded agent or a house bot, with its character."""

    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="entrants")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, related_name="+")
    agent = models.ForeignKey(
        Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="entries"
    )
    bot = models.CharField(max_length=20, blank=True, help_text="A built-in bot, if no agent.")
    name = models.CharField(max_length=100)
    character = models.CharField(max_length=20)
    seed = models.PositiveIntegerField(null=True, blank=True)
    rated_as = models.CharField(
        max_length=60,
        blank=True,
        help_text="Its rating's identity when it entered: kept when its agent is deleted.",
    )

    class Meta:
        ordering = ["seed", "pk"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def identity_of(agent: Agent | None, bot: str) -> str:
        return f"agent:{agent.pk}" if agent is not None else f"bot:{bot}"

    @property
    def identity(self) -> str:
        """Who is rated: the same bot or agent in every tournament (a deleted agent's entries
        keep theirs, so its games still show the rating it had then)."""
        if self.rated_as:
            return self.rated_as
        return f"agent:{self.agent_id}" if self.agent_id else f"bot:{self.bot}"


class TournamentMatchQuerySet(models.QuerySet):
    def cut_short(self) -> TournamentMatchQuerySet:
        """The slots left undecided when their tournament stopped running (cancelled): their
        game, if one was being played then, is no longer the tournament's. It is the rule
        ``tournament_record_result`` applies as that game ends (no bracket result, no rating);
        a slot's ``match`` is its last game, the only one that can have ended so."""
        return self.exclude(state=TournamentMatch.DONE).exclude(
            tournament__state=Tournament.RUNNING
        )


class TournamentMatch(models.Model):
    """A bracket slot being played: a best-of-N series of games, each one a ``Match`` row."""

    # FAILED: its game stopped on an error; the bracket waits for the organiser (play it again,
    # or award the series).
    WAITING, PLAYING, DONE, FAILED = "waiting", "playing", "done", "failed"
    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="matches")
    key = models.CharField(max_length=20, help_text="The bracket slot, e.g. W1-3.")
    entrant1 = models.ForeignKey(Entrant, on_delete=models.CASCADE, related_name="+")
    entrant2 = models.ForeignKey(Entrant, on_delete=models.CASCADE, related_name="+")
    match = models.ForeignKey(
        Match,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The game being played now, or the last one.",
    )
    games = models.JSONField(default=list, help_text='[{"match": id, "winner": "p1"|"p2"|"draw"}]')
    winner = models.ForeignKey(
        Entrant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=8, default=WAITING)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TournamentMatchQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["tournament", "key"], name="one_match_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.tournament} {self.key}"


class Rating(models.Model):
    """An OpenSkill rating of one bot or agent across every rated tournament."""

    identity = models.CharField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    agent = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True)
    mu = models.FloatField()
    sigma = models.FloatField()
    wins = models.PositiveIntegerField(default=0)
    losses = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-mu"]

    def __str__(self) -> str:
        return f"{self.name} {self.ordinal:.1f}"

    @property
    def ordinal(self) -> float:
        """The conservative skill shown and ranked on: mu - 3 sigma."""
        return self.mu - 3 * self.sigma


class RatingChange(models.Model):
    """A rating after one rated match: the leaderboard's history."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="history")
    match = models.ForeignKey(TournamentMatch, on_delete=models.SET_NULL, null=True, blank=True)
    mu = models.FloatField()
    sigma = models.FloatField()
    won = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    @property
    def ordinal(self) -> float:
        return self.mu - 3 * self.sigma
