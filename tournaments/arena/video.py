"""Rendering a whole match to an H.264 MP4 by piping raw frames into FFmpeg."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import imageio_ffmpeg

from .game import ROUND_SECONDS, TICKS_PER_SECOND, Game
from .render import HEIGHT, WIDTH, render_frame
from .replay import AgentLike, MatchRecord, play_match, replay_match


class WinProbLike(Protocol):
    """Anything that says p1's chance to win from a game state (``winprob.WinProb``)."""

    def p1_win(self, game: Game) -> float: ...


def frame_count(record: MatchRecord, fps: int = 60) -> int:
    """Number of frames ``render_match_video`` writes for ``record`` at ``fps``."""
    return record.ticks // (TICKS_PER_SECOND // fps) + 1


def render_match_video(
    path: str | Path,
    *,
    seed: int,
    agents: Sequence[AgentLike] = ("cpu_medium", "cpu_medium"),
    characters: tuple[str, str] = ("kaito", "brick"),
    max_rounds: int = 3,
    round_seconds: int = ROUND_SECONDS,
    scale: int = 2,
    fps: int = 60,
    decision_ticks: int = 4,
    crf: int = 18,
    match: dict | None = None,
    win_prob: WinProbLike | None = None,
) -> MatchRecord:
    """Play a match and encode it as H.264 (yuv420p, faststart) MP4 at ``path``.

    Frame 0 shows the state before the first tick; at 60 fps frame N shows the state after
    tick N, so a round that ends at tick T shows its K.O. and winner banners from frame T
    (time T / 60 s) for 2 seconds. At 30/20/... fps every (60 / fps)-th tick is kept.

    Args:
        path: output file (its folder must exist).
        seed: game seed.
        agents: (p1, p2) bot names, bot objects or callables ``obs_state -> action``.
        characters: (p1, p2) character names.
        max_rounds: best of this many rounds.
        round_seconds: round timer (shorter makes short test videos).
        scale: integer magnification of the 256×224 frame.
        fps: output frame rate; must divide 60.
        decision_ticks: agents decide every this many ticks.
        crf: x264 quality (lower is better; 18 keeps banners crisp).
        match: the players' names and ratings to show (``{"p1": {"name", "rating"}, ...}``).
        win_prob: a model with ``p1_win(game)`` (``tournaments.arena.winprob.load_default()``)
            to draw the live win-probability bar.

    Returns:
        The match record (seed, characters, action log, winner, round-end ticks).

    Raises:
        ValueError: for a bad fps, scale or output folder.
    """
    with _encoder(path, scale=scale, fps=fps, crf=crf, match=match, win_prob=win_prob) as write:
        return play_match(
            seed=seed,
            agents=agents,
            characters=characters,
            max_rounds=max_rounds,
            round_seconds=round_seconds,
            decision_ticks=decision_ticks,
            on_tick=write,
        )


def render_records_video(
    path: str | Path,
    records: Sequence[MatchRecord],
    *,
    scale: int = 2,
    fps: int = 30,
    crf: int = 18,
    match: dict | None = None,
    win_prob: WinProbLike | None = None,
) -> None:
    """Encode recorded games (a whole best-of-N match, one after the other) as one MP4.

    Replays each record's action log from its seed, so the video shows exactly the match that
    was played; a round that ends at match tick T shows its K.O. banner from time T / 60 s.
    ``match`` and ``win_prob`` add the players' names and the win-probability bar, as in
    ``render_match_video``.
    """
    with _encoder(path, scale=scale, fps=fps, crf=crf, match=match, win_prob=win_prob) as write:
        base = 0
        for record in records:
            replay_match(record, on_tick=lambda game, base=base: write(game, base))
            base += record.ticks


class _encoder:
    """``with _encoder(path, ...) as write``: ``write(game, base=0)`` adds the frame of tick
    ``base + game.tick`` (every ``60 / fps``-th tick)."""

    def __init__(
        self,
        path: str | Path,
        *,
        scale: int,
        fps: int,
        crf: int,
        match: dict | None = None,
        win_prob: WinProbLike | None = None,
    ) -> None:
        self.path, self.scale, self.fps, self.crf = Path(path), scale, fps, crf
        self.match, self.win_prob = match, win_prob
        self.last = -1

    def __enter__(self):
        path, scale, fps, crf = self.path, self.scale, self.fps, self.crf
        if fps < 1 or TICKS_PER_SECOND % fps:
            raise ValueError(f"fps must divide {TICKS_PER_SECOND}, got {fps}")
        if scale < 1 or int(scale) != scale:
            raise ValueError(f"scale must be a positive integer, got {scale!r}")
        if not path.parent.is_dir():
            raise ValueError(f"output folder does not exist: {path.parent}")
        step = TICKS_PER_SECOND // fps
        cmd = [
            imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{WIDTH}x{HEIGHT}",
            "-r", str(fps), "-i", "-",
            # FFmpeg magnifies (nearest neighbour, so pixels stay sharp): 4x less to pipe.
            "-vf", f"scale={WIDTH * scale}:{HEIGHT * scale}:flags=neighbor",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", str(crf), "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", str(path),
        ]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)

        def write(game: Game, base: int = 0) -> None:
            tick = base + game.tick
            if tick % step == 0 and tick > self.last:
                self.last = tick
                p1 = self.win_prob.p1_win(game) if self.win_prob is not None else None
                frame = render_frame(game, match=self.match, win_p1=p1)
                self.proc.stdin.write(frame.tobytes())  # type: ignore[union-attr]

        return write

    def __exit__(self, exc_type, exc, tb) -> None:
        proc = self.proc
        if exc_type is not None:
            proc.kill()
            proc.wait()
            return
        proc.stdin.close()  # type: ignore[union-attr]
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.wait() != 0:
            raise RuntimeError(f"ffmpeg failed encoding {self.path}: {err.strip()[-300:]}")
