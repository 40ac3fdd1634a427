// Shows the replay job's state and progress live, reloading the page when it finishes.
(function () {
  "use strict";
  const job = document.getElementById("job");
  if (!job) return;
  const active = function (s) { return s === "queued" || s === "running"; };
  if (!active(job.dataset.state)) return;
  const bar = document.getElementById("job-progress");
  const stateEl = document.getElementById("job-state");
  const stageEl = document.getElementById("job-stage");
  async function poll() {
    try {
      const r = await fetch(job.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (r.ok) {
        const s = await r.json();
        bar.value = s.progress;
        stateEl.textContent = s.state.charAt(0).toUpperCase() + s.state.slice(1) + " " + Math.round(s.progress) + "%";
        stateEl.className = "state state-" + s.state;
        stageEl.textContent = s.stage;
        if (!active(s.state)) { window.location.reload(); return; }
      }
    } catch (e) { /* the server restarts: keep polling */ }
    setTimeout(poll, 1000);
  }
  poll();
})();
