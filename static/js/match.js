// Spectating /matches/<id>/: snapshot, then every tick in order, then the end (over, failed
// when the game stopped on an error, or stopped when its player left); replays from the record
// (a stopped match's up to where its player left).
(function () {
  "use strict";
  const root = document.getElementById("match");
  if (!root) return;
  const view = new window.ArenaView(document.getElementById("screen"));
  const status = document.getElementById("match-status");
  const stateBadge = document.getElementById("match-state");
  const when = document.getElementById("match-when");  // the footer's "Live" / "Played"
  const score = document.getElementById("match-score");
  const replayButton = document.getElementById("replay");
  const spectator = { ticks: 0, missing: 0, last: -1, start: null, over: null, failed: null, stopped: null, match: null, delays: [] };
  window.matchSpectator = spectator;
  let latest = null;
  // The site's button style would override the hidden attribute.
  if (replayButton.hidden) replayButton.style.display = "none";
  let replaying = false;

  function names(match) {
    ["p1", "p2"].forEach(function (side) {
      const p = match[side];
      document.getElementById(side + "-name").textContent =
        p.name + (p.rating != null ? " (" + Math.round(p.rating) + ")" : "");
    });
  }
  function showScore(state) {
    // Once over, the final score (a tick still drawn after the end carries the one before it).
    const games = spectator.over && spectator.over.score ? spectator.over.score : state && state.score;
    if (games && spectator.match && spectator.match.best_of > 1) score.textContent = "games " + games[0] + "–" + games[1];
  }
  function stoppedText(msg) {
    return "Stopped after " + msg.ticks + " ticks" + (msg.reason ? ": " + msg.reason : "") + ".";
  }
  function frame() {
    if (latest && !replaying) { view.draw(latest); showScore(latest); latest = null; }
    window.requestAnimationFrame(frame);
  }

  // The page reconnects after a lost connection (the web server restarted), with backoff: 0.5 s,
  // 1 s, 2 s … up to 8 s. The server answers with a snapshot of the latest tick; the ticks in
  // between are not replayed: each such jump is recorded in spectator.jumps, not as missing
  // (spectator.start is the first snapshot's tick).
  const proto = location.protocol === "https:" ? "wss://" : "ws://";
  spectator.reconnects = 0; spectator.jumps = [];
  let failures = 0;
  function connect() {
    const ws = new WebSocket(proto + location.host + root.dataset.ws);
    ws.onopen = function () { failures = 0; };
    ws.onclose = function (e) {
      if (spectator.over || spectator.failed || spectator.stopped) return;
      if (e.code === 4404) {  // not open to this viewer, or no longer there (deleted)
        stateBadge.textContent = "Unavailable"; stateBadge.className = "state state-failed";
        when.parentElement.hidden = true;  // its "Live at 60 ticks a second" no longer holds
        status.textContent = spectator.match ? "This match is no longer there, or no longer open to you." :
          "This match is not public.";
        return;
      }
      if (failures >= 10) { status.textContent = "Disconnected."; return; }  // ~1 min of tries
      const wait = Math.min(8000, 500 * Math.pow(2, failures++));
      status.textContent = "Disconnected; reconnecting in " + Math.round(wait / 100) / 10 + " s…";
      window.setTimeout(function () { spectator.reconnects++; connect(); }, wait);
    };
    ws.onmessage = onMessage;
  }
  function onMessage(event) {
    const msg = JSON.parse(event.data);
    if (msg.type === "snapshot") {
      if (spectator.last < 0) spectator.start = msg.tick;
      else if (msg.tick > spectator.last + 1) spectator.jumps.push({ from: spectator.last, to: msg.tick });
      spectator.match = msg.match; spectator.last = msg.tick; spectator.failed = null; spectator.stopped = null;  // played again
      names(msg.match); view.setMatch(msg.match); latest = msg.state;
      status.textContent = msg.tick ? "Live from tick " + msg.tick + "." : "Waiting for the fight…";
    } else if (msg.type === "ticks") {
      const now = Date.now() / 1000;
      msg.ticks.forEach(function (t) {
        if (t.tick !== spectator.last + 1) spectator.missing += Math.max(0, t.tick - spectator.last - 1);
        spectator.last = t.tick; spectator.ticks++;
        spectator.delays.push(now - t.t);
        latest = t.state;
      });
      stateBadge.textContent = "Live"; stateBadge.className = "state state-running";  // was "Starting"
      when.textContent = "Live";  // (again, for a game played again after it failed)
      status.textContent = "Tick " + spectator.last;
    } else if (msg.type === "over") {
      spectator.over = msg;
      showScore(null);
      stateBadge.textContent = "Done"; stateBadge.className = "state state-done"; when.textContent = "Played";
      status.textContent = (msg.winner === "p1" ? spectator.match.p1.name + " wins" :
        msg.winner === "p2" ? spectator.match.p2.name + " wins" : "Draw") + " · " + msg.ticks + " ticks.";
      replayButton.hidden = false; replayButton.style.display = "";
    } else if (msg.type === "failed") {  // no record to replay: it stopped on an error
      spectator.failed = msg;
      stateBadge.textContent = "Failed"; stateBadge.className = "state state-failed"; when.textContent = "Played";
      status.textContent = "Stopped on an error after " + msg.ticks + " ticks" +
        (msg.reason ? ": " + msg.reason : "") + ".";
    } else if (msg.type === "stopped") {  // ended before its end, no error: its player left
      spectator.stopped = msg;
      stateBadge.textContent = "Stopped"; stateBadge.className = "state state-stopped"; when.textContent = "Played";
      status.textContent = stoppedText(msg);
      if (msg.ticks > 0) {  // its games up to the stop were stored before this was sent
        replayButton.textContent = "Watch what was played";
        replayButton.hidden = false; replayButton.style.display = "";
      }
    }
  }
  connect();

  // A finished match replays exactly: the server re-runs its record (seed + action log); a
  // stopped one up to the tick its player left, labelled so, and then says again why it stopped.
  replayButton.addEventListener("click", function () {
    replayButton.disabled = true;
    fetch(root.dataset.frames).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (data) {
      replaying = true;
      const frames = data.frames;
      let i = 0;
      const t0 = performance.now();
      function step(now) {
        // rAF's timestamp is when the frame began, which can be before t0: never below frame 0.
        i = Math.max(0, Math.min(frames.length - 1, Math.floor((now - t0) / (1000 / 60))));
        view.draw(frames[i].state); showScore(frames[i].state);
        const last = frames[frames.length - 1].tick;
        status.textContent = "Replay · tick " + frames[i].tick + " / " + last +
          (spectator.stopped ? " · stopped at tick " + last : "");
        if (i < frames.length - 1) window.requestAnimationFrame(step);
        else {
          replaying = false; replayButton.disabled = false; window.matchReplayed = frames.length;
          if (spectator.stopped) status.textContent = stoppedText(spectator.stopped);
        }
      }
      window.requestAnimationFrame(step);
    }).catch(function () {
      replaying = false; replayButton.disabled = false;
      status.textContent = "The replay could not be loaded; try again.";
    });
  });
  view.stage();
  window.requestAnimationFrame(frame);
})();
