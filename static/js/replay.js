// Shows the replay job's state, stage, progress and time left live, pushed over a websocket
// (ws/replays/<id>/); reloads the page when the job is done or failed. If the socket cannot
// connect, it falls back to asking /replays/<id>/status every 10 s.
(function () {
  "use strict";
  const job = document.getElementById("job");
  if (!job) return;
  const active = function (s) { return s === "queued" || s === "running"; };
  if (!active(job.dataset.state)) return;
  const bar = document.getElementById("job-progress");
  const stateEl = document.getElementById("job-state");
  const stageEl = document.getElementById("job-stage");
  let etaEl = document.getElementById("job-eta");
  if (!etaEl) {
    etaEl = document.createElement("span");
    etaEl.id = "job-eta";
    etaEl.className = "muted";
    stageEl.after(document.createTextNode(" "), etaEl);
  }
  const replayId = (job.dataset.statusUrl.match(/\/(\d+)\/status/) || [])[1];
  const POLL_MS = 10000;
  let finished = false;

  function timeLeft(s) {
    if (s === null || s === undefined) return "";
    if (s < 1) return "· almost done";
    if (s < 60) return "· about " + Math.ceil(s) + " s left";
    return "· about " + Math.floor(s / 60) + " min " + Math.round(s % 60) + " s left";
  }

  function show(s) {
    if (finished) return;
    bar.value = s.progress;
    stateEl.textContent = s.state.charAt(0).toUpperCase() + s.state.slice(1) + " " + Math.round(s.progress) + "%";
    stateEl.className = "state state-" + s.state;
    stageEl.textContent = s.stage;
    etaEl.textContent = s.state === "running" ? timeLeft(s.eta_s) : "";
    job.dataset.live = s.state;
    if (!active(s.state)) { finished = true; window.location.reload(); }
  }

  async function poll() {
    try {
      const r = await fetch(job.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (r.ok) show(await r.json());
    } catch (e) { /* the server restarts: keep polling */ }
    if (!finished) setTimeout(poll, POLL_MS);
  }

  // A socket that closes before it delivered anything counts as a failure; after three, poll.
  let failures = 0;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + "/ws/replays/" + replayId + "/");
    let delivered = false;
    ws.onmessage = function (e) {
      const msg = JSON.parse(e.data);
      if (msg.type !== "status") return;
      delivered = true;
      failures = 0;
      job.dataset.channel = "socket";
      show(msg);
    };
    ws.onclose = function () {
      if (finished) return;
      if (!delivered) failures += 1;
      if (failures < 3) { setTimeout(connect, 1000); return; }
      job.dataset.channel = "polling";  // no socket: ask now and then
      poll();
    };
  }
  if (replayId && "WebSocket" in window) connect();
  else { job.dataset.channel = "polling"; poll(); }  // no websockets here at all
})();
