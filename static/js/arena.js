// Draws an arena game state (tournaments.arena.frame_state) on a canvas, SNES-style 256x224.
// The fighters are the limbs the server resolved from the one pose table
// (tournaments/arena/poses.json via tournaments/arena/pose.py): this file knows no pose, it
// strokes what the state carries, the way tournaments/arena/render.py rasterises it.
// API: new ArenaView(canvas); view.draw(state); view.setMatch({p1: {name, rating}, p2: ...}).
window.ArenaView = (function () {
  "use strict";
  const W = 256, H = 224, GROUND = 200, OUTLINE = 7;

  function rgb(c) { return "rgb(" + c[0] + "," + c[1] + "," + c[2] + ")"; }

  function View(canvas) {
    this.ctx = canvas.getContext("2d");
    this.scale = canvas.width / W;
    this.ctx.imageSmoothingEnabled = false;
  }

  View.prototype.rect = function (x0, y0, x1, y1, color) {
    const s = this.scale;
    this.ctx.fillStyle = color;
    this.ctx.fillRect(Math.round(Math.min(x0, x1) * s), Math.round(Math.min(y0, y1) * s),
                      Math.round(Math.abs(x1 - x0) * s), Math.round(Math.abs(y1 - y0) * s));
  };

  View.prototype.text = function (str, x, y, size, color, align) {
    const c = this.ctx;
    c.fillStyle = color;
    c.font = "bold " + Math.round(size * this.scale) + "px monospace";
    c.textAlign = align || "left";
    c.textBaseline = "top";
    c.fillText(str, x * this.scale, y * this.scale);
  };

  // The same stage as render.py's _background: an evening sky, distant buildings, the ground.
  View.prototype.stage = function () {
    const g = this.ctx.createLinearGradient(0, 0, 0, GROUND * this.scale);
    g.addColorStop(0, "rgb(30,30,90)"); g.addColorStop(1, "rgb(230,140,80)");
    this.ctx.fillStyle = g;
    this.ctx.fillRect(0, 0, W * this.scale, GROUND * this.scale);
    this.rect(0, 150, W, GROUND, "rgb(90,70,80)");
    for (let i = 0, x = 0; x < W; i++, x += 22) this.rect(x, 140 - (i * 37) % 40, x + 16, 150, "rgb(70,55,70)");
    this.rect(0, GROUND, W, H, "rgb(110,90,60)");
    this.rect(0, GROUND, W, GROUND + 2, "rgb(150,125,85)");
    for (let y = GROUND + 8; y < H; y += 6) this.rect(0, y, W, y + 1, "rgb(95,75,50)");
    this.rect(0, 0, 8, H, "rgb(50,50,60)"); this.rect(248, 0, W, H, "rgb(50,50,60)");
  };

  // A round-capped stroke, as render.py's _stroke: a dot when both ends are equal.
  View.prototype.stroke = function (x0, y0, x1, y1, width, color) {
    const c = this.ctx, s = this.scale;
    c.strokeStyle = color;
    c.lineWidth = width * s;
    c.lineCap = "round";
    c.beginPath();
    c.moveTo(x0 * s, y0 * s);
    c.lineTo(x1 * s + (x0 === x1 && y0 === y1 ? 0.001 : 0), y1 * s);
    c.stroke();
  };

  // Each limb: an outline stroke 2 px wider in palette[OUTLINE], then the limb, back to front.
  View.prototype.limbs = function (f) {
    const pal = f.palette.map(rgb), outline = pal[OUTLINE];
    f.limbs.forEach(function (l) {
      this.stroke(l[0], l[1], l[2], l[3], l[4] + 2, outline);
      this.stroke(l[0], l[1], l[2], l[3], l[4], pal[l[5]]);
    }, this);
  };

  View.prototype.fighter = function (f, band) {
    if (f.limbs && f.palette) { this.limbs(f); return; }
    const body = rgb(f.colors[0]), limbs = rgb(f.colors[1]), skin = rgb(f.colors[2]);
    const cx = f.x, feet = f.feet, hw = f.half_width, h = f.height, d = f.facing;
    if (f.state === "knockdown" || f.state === "defeated") {
      const len = Math.round(h * 0.75), x0 = cx - len / 2;
      this.rect(x0, feet - 10, x0 + len, feet, body);
      const head = d > 0 ? x0 : x0 + len - 10;
      this.rect(head, feet - 12, head + 10, feet, skin);
      return;
    }
    const airborne = feet < GROUND;
    const legTop = airborne ? feet - h / 4 : feet - (h * 2) / 5, torsoTop = feet - (h * 4) / 5;
    this.rect(cx - hw + 1, legTop, cx - 2, feet, limbs);
    this.rect(cx + 2, legTop, cx + hw - 1, feet, limbs);
    this.rect(cx - hw, torsoTop, cx + hw, legTop, f.state === "hitstun" ? "#ffffff" : body);
    this.rect(cx - hw / 2 - 1, feet - h, cx + hw / 2 + 1, torsoTop, skin);
    this.rect(cx - hw / 2 - 1, feet - h + 3, cx + hw / 2 + 1, feet - h + 5, band);
    const front = cx + d * hw;
    if (f.hitbox) {  // active frames of an attack: the limb reaches the hitbox
      const b = f.hitbox, near = d > 0 ? b[0] : b[0] + b[2];
      this.rect(b[0], b[1], b[0] + b[2], b[1] + b[3], skin);
      this.rect(cx, b[1] + 2, near, b[1] + b[3] - 2, limbs);
    } else if (f.state === "attack") {
      const y = feet - (h * 3) / 5;
      this.rect(front, y - 4, front + d * 8, y + 4, skin);
    } else if (f.state === "blockstun" || (f.blocking && (f.state === "idle" || f.state === "walk" || f.state === "crouch"))) {
      this.rect(front, torsoTop, front + d * 4, torsoTop + h / 3, skin);
    }
  };

  View.prototype.effects = function (s) {
    (s.effects || []).forEach(function (e) {
      const color = rgb(e.color);
      e.rays.forEach(function (r) { this.stroke(r[0], r[1], r[2], r[3], r[4], color); }, this);
      if (e.number) {
        const tint = e.kind === "hit" ? "rgb(255,236,90)" : "rgb(170,215,255)";
        this.text(String(e.damage), e.number[0] + 1, e.number[1] + 1, 8, "#141414", "center");
        this.text(String(e.damage), e.number[0], e.number[1], 8, tint, "center");
      }
    }, this);
  };

  View.prototype.koFlash = function (s) {
    if (!s.ko_flash || s.ko_flash <= 0) return;
    this.ctx.fillStyle = "rgba(255,255,255," + s.ko_flash + ")";
    this.ctx.fillRect(0, 0, W * this.scale, H * this.scale);
  };

  // "N HITS" on the attacker's side (the other player's) while the combo goes on.
  View.prototype.combo = function (s) {
    s.fighters.forEach(function (f, i) {
      if (!f.combo || f.combo < 2) return;
      const text = f.combo + " HITS", right = i === 0;
      const x = right ? W - 16 : 16, align = right ? "right" : "left";
      this.text(text, x + 1, 45, 16, "#141414", align);
      this.text(text, x, 44, 16, "rgb(255,200,40)", align);
    }, this);
  };

  View.prototype.setMatch = function (match) { this.match = match || null; };

  // Names and ratings, and the live win-probability bar (state.win_p1), on the ground strip.
  View.prototype.namesAndOdds = function (s) {
    const m = this.match;
    if (m) {
      ["p1", "p2"].forEach(function (side, i) {
        const info = m[side] || {};
        const name = String(info.name || "").slice(0, 16).toUpperCase();
        const text = info.rating !== undefined && info.rating !== null ? name + " " + Math.round(info.rating) : name;
        const x = i === 0 ? 10 : W - 10, align = i === 0 ? "left" : "right";
        this.text(text, x + 1, 203, 8, "#141414", align);
        this.text(text, x, 202, 8, "#fff", align);
      }, this);
    }
    if (typeof s.win_p1 === "number") {
      const p = Math.min(1, Math.max(0, s.win_p1)), x0 = 10, x1 = W - 10, y0 = 213, y1 = 221;
      const split = x0 + Math.round((x1 - x0) * p), mid = (x0 + x1) / 2;
      this.rect(x0 - 1, y0 - 1, x1 + 1, y1 + 1, "#141414");
      this.rect(x0, y0, split, y1, "rgb(40,90,255)");
      this.rect(split, y0, x1, y1, "rgb(255,50,50)");
      this.rect(mid, y0 - 2, mid + 1, y1 + 2, "#fff");
      const left = Math.round(100 * p);
      this.text(left + "%", x0 + 2, y0, 8, "#fff", "left");
      this.text((100 - left) + "%", x1 - 2, y0, 8, "#fff", "right");
    }
  };

  View.prototype.hud = function (s) {
    s.fighters.forEach(function (f, i) {
      const x0 = i === 0 ? 16 : 144, fill = (96 * f.health) / f.max_health;
      this.rect(x0 - 1, 9, x0 + 97, 19, "#141414");
      this.rect(x0, 10, x0 + 96, 18, "#aa1414");
      if (i === 0) this.rect(x0 + 96 - fill, 10, x0 + 96, 18, "#fadc28");
      else this.rect(x0, 10, x0 + fill, 18, "#fadc28");
      this.text(f.display, i === 0 ? x0 : x0 + 96, 21, 8, "#fff", i === 0 ? "left" : "right");
      for (let w = 0; w < f.wins; w++) {
        const wx = i === 0 ? x0 + 88 - 9 * w : x0 + 2 + 9 * w;
        this.rect(wx, 31, wx + 6, 37, "#ffc800");
      }
    }, this);
    this.rect(114, 6, 142, 24, "#141414");
    this.text(String(s.timer).padStart(2, "0"), 128, 7, 16, "#fff", "center");
  };

  // The boxes and colours of render.py's banners (the detection profile reads those).
  View.prototype.banner = function (box, text, bg, fg, size) {
    this.rect(box[0], box[1], box[0] + box[2], box[1] + box[3], bg);
    this.text(text, box[0] + box[2] / 2, box[1] + (box[3] - size) / 2, size, fg, "center");
  };

  View.prototype.banners = function (s) {
    if (!s.banner) return;
    this.banner([78, 52, 100, 36], s.banner.ko, "#000", "rgb(235,30,30)", 28);
    if (s.banner.winner === "p1") this.banner([12, 102, 100, 26], "P1 WINS", "rgb(20,30,130)", "rgb(90,225,255)", 14);
    else if (s.banner.winner === "p2") this.banner([144, 102, 100, 26], "P2 WINS", "rgb(130,20,20)", "rgb(255,175,40)", 14);
    else this.banner([88, 102, 80, 26], "DRAW", "rgb(60,60,60)", "rgb(230,230,230)", 14);
  };

  View.prototype.draw = function (s) {
    this.stage();
    s.projectiles.forEach(function (p) {
      const f = s.fighters[p.owner === "p1" ? 0 : 1];
      this.rect(p.x, p.y, p.x + p.w, p.y + p.h, rgb(f.colors[1]));
      this.rect(p.x + 2, p.y + 2, p.x + p.w - 2, p.y + p.h - 2, "#fff");
    }, this);
    // The attacker is drawn last so its limb shows over the other (as render.py does).
    const order = s.fighters[0].state === "attack" ? [1, 0] : [0, 1];
    order.forEach(function (i) { this.fighter(s.fighters[i], i === 0 ? "#2858ff" : "#ff3232"); }, this);
    this.effects(s);
    this.koFlash(s);
    this.hud(s);
    this.combo(s);
    this.namesAndOdds(s);
    this.banners(s);
  };

  return View;
})();
