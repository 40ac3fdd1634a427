// Draws an arena game state (tournaments.arena.frame_state) on a canvas, SNES-style 256x224.
window.ArenaView = (function () {
  "use strict";
  const W = 256, H = 224, GROUND = 200;

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

  View.prototype.stage = function () {
    const g = this.ctx.createLinearGradient(0, 0, 0, GROUND * this.scale);
    g.addColorStop(0, "#2a2140"); g.addColorStop(1, "#c0725a");
    this.ctx.fillStyle = g;
    this.ctx.fillRect(0, 0, W * this.scale, GROUND * this.scale);
    this.rect(0, GROUND, W, H, "#3b3328");
    this.rect(0, GROUND, W, GROUND + 2, "#6b5a44");
    this.rect(0, 40, 8, GROUND, "#1b1626"); this.rect(248, 40, 256, GROUND, "#1b1626");
  };

  View.prototype.fighter = function (f, band) {
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

  View.prototype.banners = function (s) {
    if (!s.banner) return;
    this.rect(64, 70, 192, 100, "#000");
    this.text(s.banner.ko, 128, 72, 26, "#eb1e1e", "center");
    if (s.banner.winner === "p1") { this.rect(12, 102, 112, 128, "#1e50dc"); this.text("P1 WINS", 62, 107, 14, "#fff", "center"); }
    else if (s.banner.winner === "p2") { this.rect(144, 102, 244, 128, "#dc3c1e"); this.text("P2 WINS", 194, 107, 14, "#fff", "center"); }
    else { this.rect(78, 102, 178, 128, "#555"); this.text("DRAW", 128, 107, 14, "#fff", "center"); }
  };

  View.prototype.draw = function (s) {
    this.stage();
    this.fighter(s.fighters[0], "#3c78ff");
    this.fighter(s.fighters[1], "#ff3c3c");
    s.projectiles.forEach(function (p) {
      this.rect(p.x, p.y, p.x + p.w, p.y + p.h, p.owner === "p1" ? "#78c8ff" : "#ffa050");
    }, this);
    this.hud(s);
    this.banners(s);
  };

  return View;
})();
