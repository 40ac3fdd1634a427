// The play page: keyboard in, game frames out, over a websocket to the server's 60 Hz loop.
(function () {
  "use strict";
  const root = document.getElementById("arena");
  if (!root) return;
  const canvas = document.getElementById("screen");
  const view = new window.ArenaView(canvas);
  const status = document.getElementById("arena-status");
  const start = document.getElementById("start");
  const watch = document.getElementById("watch-link");
  const KEYMAP = {
    ArrowLeft: "left", a: "left", ArrowRight: "right", d: "right", ArrowUp: "up", w: "up",
    ArrowDown: "down", s: "down", j: "punch", k: "kick", l: "special",
  };
  const keys = { left: false, right: false, up: false, down: false, punch: false, kick: false, special: false };
  const proto = location.protocol === "https:" ? "wss://" : "ws://";
  const ws = new WebSocket(proto + location.host + root.dataset.ws);
  let playing = false;
  let framesSinceStart = 0;
  window.arenaFrames = 0;

  function ready(label) {  // no match on: Fight! (or Rematch) may be pressed again
    playing = false;
    start.disabled = false;
    start.textContent = label;
  }

  ws.onopen = function () { status.textContent = "Connected."; };
  ws.onclose = function (e) {
    start.disabled = true;
    status.textContent = e.code === 4404 ? "This agent is not available to you." : "Disconnected.";
  };
  ws.onmessage = function (event) {
    const msg = JSON.parse(event.data);
    if (msg.type === "ready") { start.disabled = false; start.textContent = "Fight!"; }
    else if (msg.type === "frame") { view.draw(msg.state); window.arenaFrames++; framesSinceStart++; window.arenaState = msg.state; }
    else if (msg.type === "over") {
      playing = false;
      status.textContent = (msg.winner === "p1" ? "You win!" : msg.winner === "p2" ? "You lose." : "Draw.") +
        " " + msg.ticks + " ticks recorded." + (msg.forfeit ? " " + msg.forfeit + "." : "");
      window.arenaOver = msg;
      ready("Rematch");
      if (msg.match) { watch.href = "/matches/" + msg.match + "/"; watch.hidden = false; }
    } else if (msg.type === "error") {
      status.textContent = msg.message;
      // A start that was refused (too many matches at once, an unknown character) or a match
      // that stopped: nothing is being played, so the button comes back.
      if (playing && (framesSinceStart === 0 || /start again/.test(msg.message))) {
        ready(start.textContent);
      }
    }
  };

  start.addEventListener("click", function () {
    if (playing) return;
    playing = true;
    framesSinceStart = 0;
    start.disabled = true;
    status.textContent = "Fight!";
    watch.hidden = true;
    ws.send(JSON.stringify({ type: "start", character: document.getElementById("my-char").value,
                             opponent_character: document.getElementById("their-char").value }));
    ws.send(JSON.stringify({ type: "keys", keys: keys }));  // keys already held when it starts
    canvas.focus();
  });

  // Followed between matches too: a key let go after the end is up for the rematch.
  function press(name, down) {
    if (keys[name] === down) return;
    keys[name] = down;
    if (playing) ws.send(JSON.stringify({ type: "keys", keys: keys }));
  }

  function onKey(down) {
    return function (e) {
      const name = KEYMAP[e.key.length === 1 ? e.key.toLowerCase() : e.key];
      if (!name) return;
      if (playing) e.preventDefault();
      press(name, down);
    };
  }
  document.addEventListener("keydown", onKey(true));
  document.addEventListener("keyup", onKey(false));

  // Touch controls: each button is a key held while a finger (any number at once) is on it.
  // Pointer capture is let go, so a thumb slid from ◀ to ▶ lets go of one and holds the other.
  const pad = document.getElementById("touchpad");
  const held = new Map();  // button -> the pointer ids on it
  function hold(button, pointer, down) {
    const on = held.get(button) || new Set();
    if (down) on.add(pointer); else on.delete(pointer);
    held.set(button, on);
    button.classList.toggle("held", on.size > 0);
    press(button.dataset.key, on.size > 0);
  }
  for (const button of pad.querySelectorAll("button[data-key]")) {
    button.addEventListener("pointerdown", function (e) {
      e.preventDefault();
      if (button.hasPointerCapture(e.pointerId)) button.releasePointerCapture(e.pointerId);
      hold(button, e.pointerId, true);
    });
    button.addEventListener("pointerenter", function (e) {
      if (e.pointerType !== "mouse" || e.buttons) hold(button, e.pointerId, true);
    });
    for (const type of ["pointerup", "pointerleave", "pointercancel"]) {
      button.addEventListener(type, function (e) { hold(button, e.pointerId, false); });
    }
    button.addEventListener("contextmenu", function (e) { e.preventDefault(); });  // long press
  }
  window.addEventListener("touchstart", function () { pad.classList.add("shown"); },
                          { once: true, passive: true });
  view.stage();
})();
