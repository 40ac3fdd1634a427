"""The deterministic fighting-game simulation: integer (fixed-point) state, one tick per call.

The hot path is plain Python ints on ``__slots__`` objects: in a single game that is several
times faster than numpy scalars. Nothing here draws, observes or knows about agents.
"""

from __future__ import annotations

import hashlib

from .actions import ACT_DOWN, ACT_H, ACT_MOVE, ACT_UP
from .characters import (
    AIR_KICK,
    GRAVITY,
    HIGH,
    LOW,
    LOW_KICK,
    LOW_PUNCH,
    MAX_HEALTH,
    SPECIAL,
    SUB,
    Character,
    get_character,
    move_row,
)

TICKS_PER_SECOND = 60
ROUND_SECONDS = 99
BANNER_TICKS = 120
"""Ticks the K.O. and winner banners stay on screen after a round (2 seconds)."""
KNOCKDOWN_TICKS = 50
HIT_MEMORY_TICKS = 40
"""Hits stay in ``Game.hits`` this long (sparks and damage numbers fade out over it)."""
STAGE_LEFT = 8
STAGE_RIGHT = 248
"""Wall positions in pixels; the stage is one screen wide, no scrolling."""
START_GAP = 40
"""Each fighter starts this many pixels (plus a seeded jitter) from the stage centre."""

# Fighter states.
IDLE, WALK, CROUCH, JUMP, ATTACK, HITSTUN, BLOCKSTUN, KNOCKDOWN, DEFEATED = range(9)
STATE_NAMES = (
    "idle", "walk", "crouch", "jump", "attack", "hitstun", "blockstun", "knockdown", "defeated"
)  # fmt: skip
# Match phases.
FIGHT, ROUND_OVER, MATCH_OVER = range(3)
# Round results.
P1_WON, P2_WON, DRAW = 0, 1, 2

_ACTIONABLE = (IDLE, WALK, CROUCH)
_STUNNED = (HITSTUN, BLOCKSTUN, KNOCKDOWN)
_CAN_BLOCK = (IDLE, WALK, CROUCH, BLOCKSTUN)
_MASK32 = 0xFFFFFFFF


class Fighter:
    """One fighter's mutable state. Lengths in sub-pixels; ``y`` is the height above ground."""

    __slots__ = (
        "char", "x", "y", "vx", "vy", "facing", "health", "state", "timer", "move", "move_t",
        "hit_done", "cooldown", "back", "down", "wins", "hw", "stand_h", "crouch_h", "moves",
        "combo", "combo_damage",
    )  # fmt: skip

    def __init__(self, char: Character) -> None:
        self.char = char
        self.hw = char.half_width * SUB
        self.stand_h = char.stand_h * SUB
        self.crouch_h = char.crouch_h * SUB
        # Moves pre-converted for the hot loop (see characters.move_row for the fields).
        self.moves = tuple(move_row(m) for m in char.moves)
        self.wins = 0
        self.reset(0, 1)

    def reset(self, x: int, facing: int) -> None:
        """Put the fighter back to full health, standing at ``x`` (sub-pixels)."""
        self.x = x
        self.y = self.vx = self.vy = 0
        self.facing = facing
        self.health = MAX_HEALTH
        self.state = IDLE
        self.timer = 0
        self.move = -1
        self.move_t = 0
        self.hit_done = False
        self.cooldown = 0
        self.back = self.down = False
        # Clean hits taken in a row without getting out of hit-stun (for the combo counter;
        # presentation only: not part of the snapshot or the hash).
        self.combo = self.combo_damage = 0

    def hurt_height(self) -> int:
        """Current hurtbox height in sub-pixels (crouching and low attacks duck under highs)."""
        if self.state == CROUCH or (self.state == BLOCKSTUN and self.down):
            return self.crouch_h
        if self.state == ATTACK and (self.move == LOW_PUNCH or self.move == LOW_KICK):
            return self.crouch_h
        return self.stand_h

    def snapshot(self) -> tuple[int | bool | str, ...]:
        """All state as a tuple of plain values (for hashing and comparisons)."""
        return (
            self.char.name, self.x, self.y, self.vx, self.vy, self.facing, self.health,
            self.state, self.timer, self.move, self.move_t, self.hit_done, self.cooldown,
            self.back, self.down, self.wins,
        )  # fmt: skip


class Game:
    """A best-of-``max_rounds`` match between two characters, advanced one tick at a time.

    Args:
        characters: the two character names (p1, p2).
        seed: any int; decides the start-position jitter and damage variance.
        max_rounds: 3 for best of three (first to 2 round wins); must be odd and ≥ 1.
        round_seconds: the round timer (99 by default; shorter for tests and quick matches).
        banner_ticks: ticks the K.O./winner banners stay up between rounds (0: none).
    """

    def __init__(
        self,
        characters: tuple[str, str] = ("kaito", "kaito"),
        *,
        seed: int = 0,
        max_rounds: int = 3,
        round_seconds: int = ROUND_SECONDS,
        banner_ticks: int = BANNER_TICKS,
    ) -> None:
        if len(characters) != 2:
            raise ValueError(f"characters must name exactly two fighters, got {characters!r}")
        if max_rounds < 1 or max_rounds % 2 == 0:
            raise ValueError(f"max_rounds must be odd and at least 1, got {max_rounds}")
        if round_seconds < 1:
            raise ValueError(f"round_seconds must be at least 1, got {round_seconds}")
        self.characters = (get_character(characters[0]).name, get_character(characters[1]).name)
        self.seed = int(seed)
        self.max_rounds = max_rounds
        self.round_seconds = round_seconds
        self.round_ticks = round_seconds * TICKS_PER_SECOND
        self.banner_ticks = banner_ticks
        self.wins_needed = max_rounds // 2 + 1
        self.p1 = Fighter(get_character(characters[0]))
        self.p2 = Fighter(get_character(characters[1]))
        # xorshift32 state, never zero.
        self.rng = (self.seed * 2654435761 + 0x9E3779B9) & _MASK32 or 1
        self.tick = 0
        self.round = 0
        self.timer = 0
        self.phase = FIGHT
        self.banner = 0
        self.round_results: list[int] = []
        self.round_end_ticks: list[int] = []
        # Projectile: [owner (0/1), x, bottom, vx, half_width, height, damage, hitstun, knockdown]
        self.projectiles: list[list[int]] = []
        # Recent hits for the renderers' sparks and damage numbers (presentation only, not in the
        # snapshot): (tick, defender 0/1, blocked, x px, height above ground px, damage).
        self.hits: list[tuple[int, int, bool, int, int, int]] = []
        self._start_round()

    # ----------------------------------------------------------------------------- queries
    @property
    def done(self) -> bool:
        """True once the match is over (after the last banner, or at once if there is none)."""
        return self.phase == MATCH_OVER

    @property
    def winner(self) -> str | None:
        """``"p1"``, ``"p2"`` or ``"draw"`` once the match is decided, else None."""
        if not self._decided():
            return None
        if self.p1.wins > self.p2.wins:
            return "p1"
        if self.p2.wins > self.p1.wins:
            return "p2"
        return "draw"

    def _decided(self) -> bool:
        return (
            max(self.p1.wins, self.p2.wins) >= self.wins_needed
            or len(self.round_results) >= self.max_rounds
        )

    def snapshot(self) -> tuple[object, ...]:
        """The complete game state as nested tuples of plain values."""
        return (
            self.p1.snapshot(), self.p2.snapshot(), self.rng, self.tick, self.round, self.timer,
            self.phase, self.banner, tuple(self.round_results), tuple(self.round_end_ticks),
            tuple(tuple(p) for p in self.projectiles),
        )  # fmt: skip

    def state_hash(self) -> str:
        """SHA-256 of the complete state: equal hashes mean bit-for-bit equal games."""
        return hashlib.sha256(repr(self.snapshot()).encode()).hexdigest()

    # ----------------------------------------------------------------------------- rounds
    def _rand(self) -> int:
        s = self.rng
        s ^= (s << 13) & _MASK32
        s ^= s >> 17
        s ^= (s << 5) & _MASK32
        self.rng = s
        return s

    def _start_round(self) -> None:
        centre = (STAGE_LEFT + STAGE_RIGHT) // 2
        self.p1.reset((centre - START_GAP - self._rand() % 9) * SUB, 1)
        self.p2.reset((centre + START_GAP + self._rand() % 9) * SUB, -1)
        self.projectiles = []
        self.hits = []
        self.timer = self.round_ticks
        self.phase = FIGHT

    def _end_round(self) -> None:
        p1, p2 = self.p1, self.p2
        dead1, dead2 = p1.health <= 0, p2.health <= 0
        if dead1 or dead2:
            result = DRAW if dead1 and dead2 else (P2_WON if dead1 else P1_WON)
        elif p1.health != p2.health:
            result = P1_WON if p1.health > p2.health else P2_WON
        else:
            result = DRAW
        # A draw gives both a round (as in the classics), so a match always ends in max_rounds.
        if result != P2_WON:
            p1.wins += 1
        if result != P1_WON:
            p2.wins += 1
        for f, dead in ((p1, dead1), (p2, dead2)):
            if dead:
                f.health = 0
                f.state = DEFEATED
                f.y = f.vy = f.vx = 0
        self.round_results.append(result)
        self.round_end_ticks.append(self.tick)
        self.projectiles = []
        self.phase = ROUND_OVER
        self.banner = self.banner_ticks
        if self.banner <= 0:
            self.skip_banner()

    def skip_banner(self) -> None:
        """End the between-rounds banner now (environments use it to skip dead time)."""
        if self.phase != ROUND_OVER:
            return
        self.banner = 0
        if self._decided():
            self.phase = MATCH_OVER
        else:
            self.round += 1
            self._start_round()

    # ----------------------------------------------------------------------------- the tick
    def step(self, a1: int, a2: int) -> None:
        """Advance one tick with p1 taking action ``a1`` and p2 ``a2`` (indices into ACTIONS).

        Between rounds the actions are ignored while the banners count down; after the match,
        stepping does nothing.
        """
        phase = self.phase
        if phase != FIGHT:
            if phase == ROUND_OVER:
                self.tick += 1
                self.banner -= 1
                if self.banner <= 0:
                    self.skip_banner()
            return
        self.tick += 1
        p1, p2 = self.p1, self.p2
        self._control(p1, a1, 0)
        self._control(p2, a2, 1)
        self._physics(p1)
        self._physics(p2)
        self._push(p1, p2)
        self._face(p1, p2)
        self._face(p2, p1)
        # Both attacks are checked before either lands, so simultaneous hits trade.
        # The moves are read before either hit lands (a hit cancels the defender's move).
        hit1 = p1.moves[p1.move] if self._connects(p1, p2) else None
        hit2 = p2.moves[p2.move] if self._connects(p2, p1) else None
        if hit1:
            self._hit(p1.facing, p2, hit1, p1.y + hit1[5] + hit1[6] // 2)
        if hit2:
            self._hit(p2.facing, p1, hit2, p2.y + hit2[5] + hit2[6] // 2)
        if self.hits and self.hits[0][0] < self.tick - HIT_MEMORY_TICKS:
            self.hits = [h for h in self.hits if h[0] >= self.tick - HIT_MEMORY_TICKS]
        if self.projectiles:
            self._projectiles()
        if p1.cooldown:
            p1.cooldown -= 1
        if p2.cooldown:
            p2.cooldown -= 1
        self.timer -= 1
        if p1.health <= 0 or p2.health <= 0 or self.timer <= 0:
            self._end_round()

    def _control(self, f: Fighter, a: int, owner: int) -> None:
        f.back = ACT_H[a] < 0
        f.down = ACT_DOWN[a]
        state = f.state
        if state == ATTACK:
            f.move_t += 1
            mv = f.moves[f.move]
            if f.move == SPECIAL and f.move_t == mv[0]:
                self._spawn(f, owner)
            if f.move_t >= mv[2]:
                f.state = JUMP if f.y > 0 else IDLE
                f.move = -1
            return
        if state in _STUNNED:
            vx = f.vx  # slide to a stop
            f.vx = vx * 3 // 4 if vx > 0 else -(-vx * 3 // 4)
            f.timer -= 1
            if f.timer <= 0 and f.y == 0:
                f.state = IDLE
                f.vx = 0
            return
        if state == JUMP:
            if ACT_MOVE[a] in (0, 1):
                self._start_move(f, AIR_KICK)
            return
        if state == DEFEATED:
            return
        m = ACT_MOVE[a]
        # One projectile per fighter on screen, as in the classics.
        if m >= 0 and (m != SPECIAL or (f.cooldown == 0 and not self._has_projectile(owner))):
            self._start_move(f, m)
            f.vx = 0
            if m == SPECIAL:
                f.cooldown = f.char.projectile.cooldown
            return
        h = ACT_H[a]
        if ACT_UP[a]:
            f.state = JUMP
            f.vy = f.char.jump
            f.vx = h * f.facing * f.char.air_speed
        elif f.down:
            f.state = CROUCH
            f.vx = 0
        elif h:
            f.state = WALK
            f.vx = f.facing * (f.char.walk if h > 0 else -f.char.back_walk)
        else:
            f.state = IDLE
            f.vx = 0

    def _has_projectile(self, owner: int) -> bool:
        return any(p[0] == owner for p in self.projectiles)

    @staticmethod
    def _start_move(f: Fighter, move: int) -> None:
        f.state = ATTACK
        f.move = move
        f.move_t = 0
        f.hit_done = False

    def _spawn(self, f: Fighter, owner: int) -> None:
        p = f.char.projectile
        hw = p.width * SUB // 2
        x = f.x + f.facing * (f.hw + hw)
        self.projectiles.append(
            [
                owner,
                x,
                p.bottom * SUB,
                f.facing * p.speed,
                hw,
                p.height * SUB,
                p.damage,
                p.hitstun,
                int(p.knockdown),
            ]  # fmt: skip
        )

    @staticmethod
    def _physics(f: Fighter) -> None:
        if f.y > 0 or f.vy > 0:
            f.y += f.vy
            f.vy -= GRAVITY
            if f.y <= 0:
                f.y = f.vy = 0
                if f.state == JUMP or f.state == ATTACK:
                    f.state = IDLE  # landing cancels an air attack
                    f.move = -1
                    f.vx = 0
        x = f.x + f.vx
        lo = STAGE_LEFT * SUB + f.hw
        hi = STAGE_RIGHT * SUB - f.hw
        f.x = lo if x < lo else (hi if x > hi else x)

    @staticmethod
    def _push(p1: Fighter, p2: Fighter) -> None:
        """Keep bodies apart; a fighter high enough in the air passes over the other."""
        if abs(p1.y - p2.y) >= 40 * SUB:
            return
        dx = p2.x - p1.x
        overlap = p1.hw + p2.hw - abs(dx)
        if overlap <= 0:
            return
        left, right = (p1, p2) if dx > 0 or (dx == 0 and p1.facing > 0) else (p2, p1)
        half = overlap // 2
        left.x -= half
        right.x += overlap - half
        lo_l = STAGE_LEFT * SUB + left.hw
        if left.x < lo_l:  # pinned against the left wall: the other takes the whole push
            right.x += lo_l - left.x
            left.x = lo_l
        hi_r = STAGE_RIGHT * SUB - right.hw
        if right.x > hi_r:
            left.x -= right.x - hi_r
            right.x = hi_r

    @staticmethod
    def _face(f: Fighter, o: Fighter) -> None:
        if f.y == 0 and f.state in _ACTIONABLE:
            if o.x > f.x:
                f.facing = 1
            elif o.x < f.x:
                f.facing = -1

    @staticmethod
    def _connects(f: Fighter, o: Fighter) -> bool:
        if f.state != ATTACK or f.hit_done:
            return False
        mv = f.moves[f.move]
        if not mv[0] <= f.move_t < mv[1]:
            return False
        if o.state == KNOCKDOWN or o.state == DEFEATED:
            return False  # knocked-down fighters are invulnerable
        if f.facing > 0:
            hx0 = f.x + mv[3]
            hx1 = hx0 + mv[4]
        else:
            hx1 = f.x - mv[3]
            hx0 = hx1 - mv[4]
        if hx1 <= o.x - o.hw or o.x + o.hw <= hx0:
            return False
        hy0 = f.y + mv[5]
        if hy0 + mv[6] <= o.y or o.y + o.hurt_height() <= hy0:
            return False
        f.hit_done = True
        return True

    def _hit(self, direction: int, o: Fighter, mv: tuple[int, ...], at_y: int) -> None:
        """Apply move ``mv`` (a pre-converted move tuple) to defender ``o``.

        ``at_y`` (sub-pixels above the ground) is where it landed, for the hit spark.
        """
        damage, hitstun, blockstun, level, knockdown = mv[7], mv[8], mv[9], mv[10], mv[11]
        blocked = (
            o.back
            and o.y == 0
            and o.state in _CAN_BLOCK
            and not (level == LOW and not o.down)
            and not (level == HIGH and o.down)
        )
        o.move = -1
        spark_x = (o.x - direction * o.hw) // SUB
        defender = 0 if o is self.p1 else 1
        if blocked:
            o.health -= damage // 6
            o.state = BLOCKSTUN
            o.timer = blockstun
            o.vx = direction * 16
            self.hits.append((self.tick, defender, True, spark_x, at_y // SUB, damage // 6))
            return
        # ±12% damage variance from the seeded generator, as in the classics.
        dealt = damage * (28 + self._rand() % 9) // 32
        o.health -= dealt
        if o.state == HITSTUN:
            o.combo += 1
            o.combo_damage += dealt
        else:
            o.combo, o.combo_damage = 1, dealt
        self.hits.append((self.tick, defender, False, spark_x, at_y // SUB, dealt))
        if knockdown or o.y > 0:
            o.state = KNOCKDOWN
            o.timer = KNOCKDOWN_TICKS
            o.vx = direction * 24
        else:
            o.state = HITSTUN
            o.timer = hitstun
            o.vx = direction * 32

    def _projectiles(self) -> None:
        fighters = (self.p1, self.p2)
        alive: list[list[int]] = []
        for p in self.projectiles:
            p[1] += p[3]
            if not STAGE_LEFT * SUB <= p[1] <= STAGE_RIGHT * SUB:
                continue
            o = fighters[1 - p[0]]
            if (
                o.state != KNOCKDOWN
                and o.state != DEFEATED
                and abs(p[1] - o.x) < p[4] + o.hw
                and p[2] < o.y + o.hurt_height()
                and o.y < p[2] + p[5]
            ):
                mv = (0,) * 7 + (p[6], p[7], p[7] * 2 // 3, 0, p[8])
                self._hit(1 if p[3] > 0 else -1, o, mv, p[2] + p[5] // 2)
                continue
            alive.append(p)
        # Opposing projectiles that meet cancel each other out.
        if len(alive) > 1:
            for a in alive:
                for b in alive:
                    if a[0] == 0 and b[0] == 1 and abs(a[1] - b[1]) < a[4] + b[4]:
                        a[0] = b[0] = -1
            alive = [p for p in alive if p[0] >= 0]
        self.projectiles = alive
