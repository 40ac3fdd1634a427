"""A numpy-vectorised batch of arena games: N matches advance one tick per call, bit for bit
the same as N separate ``Game`` objects (tested), so training can run thousands at once.

Every rule of ``game.py`` is mirrored here as masked array updates over shape ``(n,)`` (per
game) or ``(n, 2)`` (per fighter). Keep the two in step: ``test_batch_matches_the_game.py``
compares full state snapshots tick by tick.
"""

from __future__ import annotations

import numpy as np

from .actions import ACT_DOWN, ACT_H, ACT_MOVE, ACT_UP
from .characters import (
    AIR_KICK,
    CHARACTER_NAMES,
    GRAVITY,
    HIGH,
    LOW,
    LOW_KICK,
    LOW_PUNCH,
    MAX_HEALTH,
    SPECIAL,
    SUB,
    get_character,
    move_row,
)
from .game import (
    ATTACK,
    BANNER_TICKS,
    BLOCKSTUN,
    CROUCH,
    DEFEATED,
    DRAW,
    FIGHT,
    HITSTUN,
    IDLE,
    JUMP,
    KNOCKDOWN,
    KNOCKDOWN_TICKS,
    MATCH_OVER,
    P1_WON,
    P2_WON,
    ROUND_OVER,
    ROUND_SECONDS,
    STAGE_LEFT,
    STAGE_RIGHT,
    START_GAP,
    TICKS_PER_SECOND,
    WALK,
)

_I = np.int64
_M32 = 0xFFFFFFFF
_H = np.array(ACT_H, _I)
_UP = np.array(ACT_UP, bool)
_DOWN = np.array(ACT_DOWN, bool)
_MOVE = np.array(ACT_MOVE, _I)
_LO = STAGE_LEFT * SUB
_HI = STAGE_RIGHT * SUB


def _char_tables() -> dict[str, np.ndarray]:
    chars = [get_character(n) for n in CHARACTER_NAMES]
    t = {
        "hw": [c.half_width * SUB for c in chars],
        "stand_h": [c.stand_h * SUB for c in chars],
        "crouch_h": [c.crouch_h * SUB for c in chars],
        "walk": [c.walk for c in chars],
        "back_walk": [c.back_walk for c in chars],
        "jump": [c.jump for c in chars],
        "air": [c.air_speed for c in chars],
        "p_speed": [c.projectile.speed for c in chars],
        "p_hw": [c.projectile.width * SUB // 2 for c in chars],
        "p_h": [c.projectile.height * SUB for c in chars],
        "p_bottom": [c.projectile.bottom * SUB for c in chars],
        "p_damage": [c.projectile.damage for c in chars],
        "p_hitstun": [c.projectile.hitstun for c in chars],
        "p_cooldown": [c.projectile.cooldown for c in chars],
        "p_kd": [int(c.projectile.knockdown) for c in chars],
    }
    out = {k: np.array(v, _I) for k, v in t.items()}
    # moves[char, move, field] with the same fields as Fighter.moves.
    out["moves"] = np.array(
        [[move_row(m) for m in c.moves] for c in chars],
        _I,
    )
    return out


_T = _char_tables()
_MOVES_FLAT = _T["moves"].reshape(-1, _T["moves"].shape[-1])


class BatchGame:
    """``n`` games with the same characters and rules, stepped together.

    Args:
        n: number of games.
        characters: (p1, p2) character names for every game.
        seeds: one seed per game (``Game``'s ``seed``).
        max_rounds, round_seconds, banner_ticks: as for ``Game``.
    """

    def __init__(
        self,
        n: int,
        characters: tuple[str, str] = ("kaito", "kaito"),
        *,
        seeds: list[int] | np.ndarray | None = None,
        max_rounds: int = 3,
        round_seconds: int = ROUND_SECONDS,
        banner_ticks: int = BANNER_TICKS,
    ) -> None:
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        if max_rounds < 1 or max_rounds % 2 == 0:
            raise ValueError(f"max_rounds must be odd and at least 1, got {max_rounds}")
        if round_seconds < 1:
            raise ValueError(f"round_seconds must be at least 1, got {round_seconds}")
        self.n = n
        self.ticks_run = 0
        """Game-ticks simulated so far, summed over the batch (for benchmarks)."""
        self.characters = (get_character(characters[0]).name, get_character(characters[1]).name)
        self.max_rounds = max_rounds
        self.round_ticks = round_seconds * TICKS_PER_SECOND
        self.banner_ticks = banner_ticks
        self.wins_needed = max_rounds // 2 + 1
        cid = [CHARACTER_NAMES.index(c) for c in self.characters]
        self.char = np.tile(np.array(cid, _I), (n, 1))
        for name in ("hw", "stand_h", "crouch_h", "walk", "back_walk", "jump", "air",
                     "p_cooldown"):  # fmt: skip
            setattr(self, "c_" + name, _T[name][self.char])
        z2 = np.zeros((n, 2), _I)
        self.x, self.y, self.vx, self.vy = z2.copy(), z2.copy(), z2.copy(), z2.copy()
        self.facing, self.health, self.state = z2.copy(), z2.copy(), z2.copy()
        self.timer_f, self.move, self.move_t = z2.copy(), z2.copy(), z2.copy()
        self.hit_done = np.zeros((n, 2), bool)
        self.cooldown, self.wins = z2.copy(), z2.copy()
        self.back = np.zeros((n, 2), bool)
        self.down = np.zeros((n, 2), bool)
        # Projectile slot per owner (one per fighter on screen); seq orders them like the list.
        self.p_alive = np.zeros((n, 2), bool)
        self.p_x, self.p_vx, self.p_seq = z2.copy(), z2.copy(), z2.copy()
        z = np.zeros(n, _I)
        self.rng, self.tick, self.round, self.timer = z.copy(), z.copy(), z.copy(), z.copy()
        self.phase, self.banner, self.n_results = z.copy(), z.copy(), z.copy()
        self.results = np.zeros((n, max_rounds), _I)
        self.end_ticks = np.zeros((n, max_rounds), _I)
        self.reset_games(np.ones(n, bool), list(range(n)) if seeds is None else list(seeds))

    # ------------------------------------------------------------------------------ setup
    def reset_games(self, mask: np.ndarray, seeds: list[int]) -> None:
        """Start new matches in the games where ``mask`` is set (one seed per such game)."""
        idx = np.flatnonzero(mask)
        if len(idx) != len(seeds):
            raise ValueError(f"need {len(idx)} seeds, got {len(seeds)}")
        if not len(idx):
            return
        self.rng[idx] = [(int(s) * 2654435761 + 0x9E3779B9) & _M32 or 1 for s in seeds]
        for arr in (self.tick, self.round, self.banner, self.n_results):
            arr[idx] = 0
        self.results[idx] = 0
        self.end_ticks[idx] = 0
        self.wins[idx] = 0
        self._start_round(mask)

    def _rand(self, mask: np.ndarray) -> np.ndarray:
        """One xorshift32 draw in each game of ``mask`` (in the games' own sequences)."""
        s = self.rng[mask]
        s ^= (s << 13) & _M32
        s ^= s >> 17
        s ^= (s << 5) & _M32
        self.rng[mask] = s
        return s

    def _start_round(self, mask: np.ndarray) -> None:
        centre = (STAGE_LEFT + STAGE_RIGHT) // 2
        r1 = self._rand(mask)
        r2 = self._rand(mask)
        self.x[mask, 0] = (centre - START_GAP - r1 % 9) * SUB
        self.x[mask, 1] = (centre + START_GAP + r2 % 9) * SUB
        for arr in (self.y, self.vx, self.vy, self.timer_f, self.move_t, self.cooldown):
            arr[mask] = 0
        self.facing[mask] = (1, -1)
        self.health[mask] = MAX_HEALTH
        self.state[mask] = IDLE
        self.move[mask] = -1
        self.hit_done[mask] = False
        self.back[mask] = False
        self.down[mask] = False
        self.p_alive[mask] = False
        self.timer[mask] = self.round_ticks
        self.phase[mask] = FIGHT

    # ------------------------------------------------------------------------------ queries
    @property
    def done(self) -> np.ndarray:
        """Bool per game: the match is over."""
        return self.phase == MATCH_OVER

    def winners(self) -> list[str | None]:
        """Per game: ``"p1"``, ``"p2"``, ``"draw"`` once decided, else None."""
        out: list[str | None] = []
        decided = self._decided()
        for i in range(self.n):
            if not decided[i]:
                out.append(None)
            elif self.wins[i, 0] != self.wins[i, 1]:
                out.append("p1" if self.wins[i, 0] > self.wins[i, 1] else "p2")
            else:
                out.append("draw")
        return out

    def _decided(self) -> np.ndarray:
        return (self.wins.max(axis=1) >= self.wins_needed) | (self.n_results >= self.max_rounds)

    def snapshot(self, i: int) -> tuple[object, ...]:
        """Game ``i``'s state in exactly the form of ``Game.snapshot()``."""
        fighters = tuple(
            (
                self.characters[j],
                int(self.x[i, j]),
                int(self.y[i, j]),
                int(self.vx[i, j]),
                int(self.vy[i, j]),
                int(self.facing[i, j]),
                int(self.health[i, j]),
                int(self.state[i, j]),
                int(self.timer_f[i, j]),
                int(self.move[i, j]),
                int(self.move_t[i, j]),
                bool(self.hit_done[i, j]),
                int(self.cooldown[i, j]),
                bool(self.back[i, j]),
                bool(self.down[i, j]),
                int(self.wins[i, j]),
            )  # fmt: skip
            for j in (0, 1)
        )
        projectiles = []
        for j in sorted((j for j in (0, 1) if self.p_alive[i, j]), key=lambda j: self.p_seq[i, j]):
            c = self.char[i, j]
            projectiles.append(
                (
                    j,
                    int(self.p_x[i, j]),
                    int(_T["p_bottom"][c]),
                    int(self.p_vx[i, j]),
                    int(_T["p_hw"][c]),
                    int(_T["p_h"][c]),
                    int(_T["p_damage"][c]),
                    int(_T["p_hitstun"][c]),
                    int(_T["p_kd"][c]),
                )  # fmt: skip
            )
        k = int(self.n_results[i])
        return (
            fighters[0], fighters[1], int(self.rng[i]), int(self.tick[i]), int(self.round[i]),
            int(self.timer[i]), int(self.phase[i]), int(self.banner[i]),
            tuple(int(r) for r in self.results[i, :k]),
            tuple(int(t) for t in self.end_ticks[i, :k]), tuple(projectiles),
        )  # fmt: skip

    def _move_table(self) -> np.ndarray:
        """(n, 2, 12): each fighter's current move (the special's row when it has none)."""
        # A flat (character × move) table indexed at once: much faster than take_along_axis.
        return _MOVES_FLAT[self.char * 6 + np.where(self.move < 0, SPECIAL, self.move)]

    def _hurt_height(self) -> np.ndarray:
        low = (self.state == CROUCH) | ((self.state == BLOCKSTUN) & self.down)
        low |= (self.state == ATTACK) & ((self.move == LOW_PUNCH) | (self.move == LOW_KICK))
        return np.where(low, self.c_crouch_h, self.c_stand_h)

    # ------------------------------------------------------------------------------ the tick
    def step(self, actions: np.ndarray, active: np.ndarray | None = None) -> None:
        """Advance one tick in every game (or only where ``active``); ``actions`` is (n, 2)."""
        phase = self.phase
        fight = phase == FIGHT
        over = phase == ROUND_OVER
        if active is not None:
            fight &= active
            over &= active
        self.ticks_run += int(fight.sum()) + int(over.sum())
        if over.any():
            self.tick[over] += 1
            self.banner[over] -= 1
            self.skip_banner(over & (self.banner <= 0))
        if not fight.any():
            return
        f2 = np.repeat(fight[:, None], 2, axis=1)
        self.tick[fight] += 1
        a = np.asarray(actions, _I)
        self._control(a, f2)
        self._physics(f2)
        self._push(fight)
        self._face(f2)
        self._melee(f2)
        if self.p_alive.any():
            self._projectiles(fight)
        self.cooldown -= f2 & (self.cooldown > 0)
        self.timer[fight] -= 1
        ending = fight & ((self.health[:, 0] <= 0) | (self.health[:, 1] <= 0) | (self.timer <= 0))
        if ending.any():
            self._end_round(ending)

    def _start_move(self, mask: np.ndarray, move: np.ndarray | int) -> None:
        self.state[mask] = ATTACK
        self.move = np.where(mask, move, self.move)
        self.move_t[mask] = 0
        self.hit_done[mask] = False

    def _control(self, a: np.ndarray, f2: np.ndarray) -> None:
        h = _H[a]
        self.back = np.where(f2, h < 0, self.back)
        self.down = np.where(f2, _DOWN[a], self.down)
        st = self.state.copy()
        # Attacking: advance the move; the special spawns its projectile at the end of startup.
        att = f2 & (st == ATTACK)
        self.move_t += att
        mv = self._move_table()
        spawn = att & (self.move == SPECIAL) & (self.move_t == mv[..., 0])
        end = att & (self.move_t >= mv[..., 2])
        self.state = np.where(end, np.where(self.y > 0, JUMP, IDLE), self.state)
        self.move[end] = -1
        if spawn.any():
            self._spawn(spawn)
        # Stunned: slide to a stop, count down, get up on the ground.
        stun = f2 & ((st == HITSTUN) | (st == BLOCKSTUN) | (st == KNOCKDOWN))
        vx = self.vx
        slid = np.where(vx > 0, vx * 3 // 4, -(-vx * 3 // 4))
        self.vx = np.where(stun, slid, vx)
        self.timer_f -= stun
        wake = stun & (self.timer_f <= 0) & (self.y == 0)
        self.state[wake] = IDLE
        self.vx[wake] = 0
        # In the air: punch or kick becomes the jumping kick.
        m = _MOVE[a]
        air = f2 & (st == JUMP) & ((m == 0) | (m == 1))
        self._start_move(air, AIR_KICK)
        # On the ground and free to act.
        ground = f2 & ((st == IDLE) | (st == WALK) | (st == CROUCH))
        special_ok = (self.cooldown == 0) & ~self.p_alive
        start = ground & (m >= 0) & ((m != SPECIAL) | special_ok)
        self._start_move(start, m)
        self.vx[start] = 0
        sp = start & (m == SPECIAL)
        self.cooldown = np.where(sp, self.c_p_cooldown, self.cooldown)
        rest = ground & ~start
        jump = rest & _UP[a]
        self.state[jump] = JUMP
        self.vy = np.where(jump, self.c_jump, self.vy)
        self.vx = np.where(jump, h * self.facing * self.c_air, self.vx)
        crouch = rest & ~_UP[a] & self.down
        self.state[crouch] = CROUCH
        self.vx[crouch] = 0
        walk = rest & ~_UP[a] & ~self.down & (h != 0)
        self.state[walk] = WALK
        speed = np.where(h > 0, self.c_walk, -self.c_back_walk)
        self.vx = np.where(walk, self.facing * speed, self.vx)
        idle = rest & ~_UP[a] & ~self.down & (h == 0)
        self.state[idle] = IDLE
        self.vx[idle] = 0

    def _spawn(self, spawn: np.ndarray) -> None:
        c = self.char
        self.p_alive |= spawn
        x = self.x + self.facing * (self.c_hw + _T["p_hw"][c])
        self.p_x = np.where(spawn, x, self.p_x)
        self.p_vx = np.where(spawn, self.facing * _T["p_speed"][c], self.p_vx)
        # The list order of Game.projectiles: older first, p1 before p2 within a tick.
        seq = self.tick[:, None] * 2 + np.array([0, 1], _I)
        self.p_seq = np.where(spawn, seq, self.p_seq)

    def _physics(self, f2: np.ndarray) -> None:
        air = f2 & ((self.y > 0) | (self.vy > 0))
        self.y = np.where(air, self.y + self.vy, self.y)
        self.vy = np.where(air, self.vy - GRAVITY, self.vy)
        land = air & (self.y <= 0)
        self.y[land] = 0
        self.vy[land] = 0
        landed = land & ((self.state == JUMP) | (self.state == ATTACK))
        self.state[landed] = IDLE
        self.move[landed] = -1
        self.vx[landed] = 0
        x = np.clip(self.x + self.vx, _LO + self.c_hw, _HI - self.c_hw)
        self.x = np.where(f2, x, self.x)

    def _push(self, fight: np.ndarray) -> None:
        x1, x2 = self.x[:, 0], self.x[:, 1]
        hw1, hw2 = self.c_hw[:, 0], self.c_hw[:, 1]
        dx = x2 - x1
        overlap = hw1 + hw2 - np.abs(dx)
        m = fight & (np.abs(self.y[:, 0] - self.y[:, 1]) < 40 * SUB) & (overlap > 0)
        if not m.any():
            return
        p1_left = (dx > 0) | ((dx == 0) & (self.facing[:, 0] > 0))
        lx, rx = np.where(p1_left, x1, x2), np.where(p1_left, x2, x1)
        lhw, rhw = np.where(p1_left, hw1, hw2), np.where(p1_left, hw2, hw1)
        half = overlap // 2
        lx = lx - half
        rx = rx + overlap - half
        lo = _LO + lhw
        pinned = lx < lo
        rx = np.where(pinned, rx + lo - lx, rx)
        lx = np.where(pinned, lo, lx)
        hi = _HI - rhw
        pinned = rx > hi
        lx = np.where(pinned, lx - (rx - hi), lx)
        rx = np.where(pinned, hi, rx)
        self.x[:, 0] = np.where(m, np.where(p1_left, lx, rx), x1)
        self.x[:, 1] = np.where(m, np.where(p1_left, rx, lx), x2)

    def _face(self, f2: np.ndarray) -> None:
        ox = self.x[:, ::-1]
        st = self.state
        m = f2 & (self.y == 0) & ((st == IDLE) | (st == WALK) | (st == CROUCH))
        self.facing = np.where(m & (ox > self.x), 1, np.where(m & (ox < self.x), -1, self.facing))

    def _melee(self, f2: np.ndarray) -> None:
        mv = self._move_table()
        ox, oy = self.x[:, ::-1], self.y[:, ::-1]
        ohw, ost = self.c_hw[:, ::-1], self.state[:, ::-1]
        ohurt = self._hurt_height()[:, ::-1]
        c = f2 & (self.state == ATTACK) & ~self.hit_done
        c &= (mv[..., 0] <= self.move_t) & (self.move_t < mv[..., 1])
        c &= (ost != KNOCKDOWN) & (ost != DEFEATED)
        right = self.facing > 0
        hx0 = np.where(right, self.x + mv[..., 3], self.x - mv[..., 3] - mv[..., 4])
        hx1 = hx0 + mv[..., 4]
        c &= ~((hx1 <= ox - ohw) | (ox + ohw <= hx0))
        hy0 = self.y + mv[..., 5]
        c &= ~((hy0 + mv[..., 6] <= oy) | (oy + ohurt <= hy0))
        if not c.any():
            return
        self.hit_done |= c
        facing = self.facing.copy()
        for attacker in (0, 1):  # p1's hit lands first, as in Game.step
            m = c[:, attacker]
            if m.any():
                self._hit(m, 1 - attacker, facing[:, attacker], mv[:, attacker, 7:12])

    def _hit(self, m: np.ndarray, d: int, direction: np.ndarray, mv: np.ndarray) -> None:
        """Apply hits to defender ``d`` in games ``m``; ``mv`` is (n, 5): damage, hitstun,
        blockstun, level, knockdown."""
        damage, hitstun, blockstun, level, knockdown = (mv[:, k] for k in range(5))
        st, down = self.state[:, d], self.down[:, d]
        can = (st == IDLE) | (st == WALK) | (st == CROUCH) | (st == BLOCKSTUN)
        blocked = m & self.back[:, d] & (self.y[:, d] == 0) & can
        blocked &= ~((level == LOW) & ~down) & ~((level == HIGH) & down)
        self.move[m, d] = -1
        self.health[:, d] -= np.where(blocked, damage // 6, 0)
        self.state[blocked, d] = BLOCKSTUN
        self.timer_f[:, d] = np.where(blocked, blockstun, self.timer_f[:, d])
        self.vx[:, d] = np.where(blocked, direction * 16, self.vx[:, d])
        clean = m & ~blocked
        if not clean.any():
            return
        r = self._rand(clean)
        self.health[clean, d] -= damage[clean] * (28 + r % 9) // 32
        kd = clean & ((knockdown != 0) | (self.y[:, d] > 0))
        stun = clean & ~kd
        self.state[kd, d] = KNOCKDOWN
        self.state[stun, d] = HITSTUN
        self.timer_f[:, d] = np.where(
            kd, KNOCKDOWN_TICKS, np.where(stun, hitstun, self.timer_f[:, d])
        )
        self.vx[:, d] = np.where(kd, direction * 24, np.where(stun, direction * 32, self.vx[:, d]))

    def _projectiles(self, fight: np.ndarray) -> None:
        c = self.char
        first = np.where(self.p_seq[:, 0] <= self.p_seq[:, 1], 0, 1)
        rows = np.arange(self.n)
        hurt = None
        for order in (first, 1 - first):
            owner = order
            alive = fight & self.p_alive[rows, owner]
            if not alive.any():
                continue
            px = self.p_x[rows, owner] + np.where(alive, self.p_vx[rows, owner], 0)
            self.p_x[rows, owner] = px
            inside = (_LO <= px) & (px <= _HI)
            d = 1 - owner
            pc = c[rows, owner]
            hurt = self._hurt_height()
            ox, oy, ost = self.x[rows, d], self.y[rows, d], self.state[rows, d]
            bottom = _T["p_bottom"][pc]
            hits = alive & inside & (ost != KNOCKDOWN) & (ost != DEFEATED)
            hits &= np.abs(px - ox) < _T["p_hw"][pc] + self.c_hw[rows, d]
            hits &= (bottom < oy + hurt[rows, d]) & (oy < bottom + _T["p_h"][pc])
            self.p_alive[rows, owner] &= ~(alive & (~inside | hits))
            for defender in (0, 1):
                m = hits & (d == defender)
                if m.any():
                    direction = np.where(self.p_vx[:, 1 - defender] > 0, 1, -1)
                    dmg = _T["p_damage"][c[:, 1 - defender]]
                    hs = _T["p_hitstun"][c[:, 1 - defender]]
                    mv = np.stack([dmg, hs, hs * 2 // 3, np.zeros_like(dmg),
                                   _T["p_kd"][c[:, 1 - defender]]], axis=1)  # fmt: skip
                    self._hit(m, defender, direction, mv)
        both = fight & self.p_alive[:, 0] & self.p_alive[:, 1]
        meet = both & (
            np.abs(self.p_x[:, 0] - self.p_x[:, 1]) < _T["p_hw"][c[:, 0]] + _T["p_hw"][c[:, 1]]
        )
        self.p_alive[meet] = False

    def _end_round(self, m: np.ndarray) -> None:
        dead1, dead2 = self.health[:, 0] <= 0, self.health[:, 1] <= 0
        h1, h2 = self.health[:, 0], self.health[:, 1]
        by_health = np.where(h1 > h2, P1_WON, np.where(h2 > h1, P2_WON, DRAW))
        ko = np.where(dead1 & dead2, DRAW, np.where(dead1, P2_WON, P1_WON))
        result = np.where(dead1 | dead2, ko, by_health)
        self.wins[:, 0] += m & (result != P2_WON)
        self.wins[:, 1] += m & (result != P1_WON)
        dead = np.stack([dead1, dead2], axis=1) & m[:, None]
        self.health[dead] = 0
        self.state[dead] = DEFEATED
        self.y[dead] = 0
        self.vy[dead] = 0
        self.vx[dead] = 0
        idx = np.flatnonzero(m)
        k = np.minimum(self.n_results[idx], self.max_rounds - 1)
        self.results[idx, k] = result[idx]
        self.end_ticks[idx, k] = self.tick[idx]
        self.n_results[idx] += 1
        self.p_alive[m] = False
        self.phase[m] = ROUND_OVER
        self.banner[m] = self.banner_ticks
        if self.banner_ticks <= 0:
            self.skip_banner(m)

    def skip_banner(self, mask: np.ndarray) -> None:
        """End the between-rounds banner now in the games of ``mask`` that show one."""
        m = mask & (self.phase == ROUND_OVER)
        if not m.any():
            return
        self.banner[m] = 0
        decided = m & self._decided()
        self.phase[decided] = MATCH_OVER
        nxt = m & ~decided
        if nxt.any():
            self.round[nxt] += 1
            self._start_round(nxt)
