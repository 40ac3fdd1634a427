// Review: exact frame stepping through the frame index, the Plotly timeline, events and clips.
(function () {
  "use strict";
  const review = document.getElementById("review");
  const video = document.getElementById("player");
  if (!review || !video) return;
  const frameNo = document.getElementById("frame-no");
  const frameTime = document.getElementById("frame-time");
  let times = [];
  let offset = 0;  // the player's clock = frame-index time + when the video's first frame shows

  // Frame N is shown from times[N] until times[N+1]: find the frame on screen now.
  function frameAt(t) {
    t -= offset;
    let lo = 0, hi = times.length - 1;
    if (hi < 0) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid] <= t + 1e-4) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function seekFrame(n) {
    if (!times.length) return;
    n = Math.max(0, Math.min(times.length - 1, n));
    const next = n + 1 < times.length ? times[n + 1] : times[n] + 1 / 30;
    video.pause();
    // A quarter into the frame's interval, so rounding never lands on its neighbour.
    video.currentTime = offset + times[n] + (next - times[n]) / 4;
  }

  function current() { return frameAt(video.currentTime); }

  let shown = -1;
  function show() {
    const n = current();
    if (n !== shown) {
      shown = n;
      document.dispatchEvent(new CustomEvent("filmroom:frame", { detail: { frame: n, time: times[n] || 0 } }));
    }
    frameNo.textContent = n;
    frameTime.textContent = (times[n] || 0).toFixed(3);
    review.dataset.frame = n;
    markTimeline(times[n] || 0);
  }

  const deaths = Array.from(document.querySelectorAll("tr.event[data-kind=death]"))
    .map(function (row) { return Number(row.dataset.frame); }).sort(function (a, b) { return a - b; });

  function jumpDeath(dir) {
    const n = current();
    const target = dir > 0 ? deaths.find(function (f) { return f > n; })
                           : deaths.slice().reverse().find(function (f) { return f < n; });
    if (target !== undefined) seekFrame(target);
  }

  review.addEventListener("click", function (e) {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.dataset.step) seekFrame(current() + Number(b.dataset.step));
    else if (b.dataset.stepS) seekFrame(frameAt(video.currentTime + Number(b.dataset.stepS)));
    else if (b.dataset.jump) jumpDeath(Number(b.dataset.dir));
  });

  document.addEventListener("keydown", function (e) {
    if (e.target.closest("input, select, textarea")) return;
    if (e.key === ",") seekFrame(current() - 1);
    else if (e.key === ".") seekFrame(current() + 1);
    else if (e.shiftKey && e.key === "ArrowLeft") jumpDeath(-1);
    else if (e.shiftKey && e.key === "ArrowRight") jumpDeath(1);
    else return;
    e.preventDefault();
  });

  ["seeked", "timeupdate", "loadedmetadata"].forEach(function (name) { video.addEventListener(name, show); });
  if (video.requestVideoFrameCallback) {
    const tick = function () { show(); video.requestVideoFrameCallback(tick); };
    video.requestVideoFrameCallback(tick);
  }

  // Timeline: click a marker to seek there; a line follows the playhead.
  const plot = document.getElementById("timeline");
  const data = document.getElementById("timeline-data");
  let lastMark = -1;
  function markTimeline(t) {
    if (!plot || !window.Plotly || !plot.data || Math.abs(t - lastMark) < 0.05) return;
    lastMark = t;
    Plotly.relayout(plot, { shapes: [{ type: "line", x0: t, x1: t, yref: "paper", y0: 0, y1: 1,
                                       line: { color: "#4fa3ff", width: 1 } }] });
  }
  if (plot && data && window.Plotly) {
    const fig = JSON.parse(data.textContent);
    Plotly.newPlot(plot, fig.data, fig.layout, { displayModeBar: false, responsive: true }).then(function () {
      plot.on("plotly_click", function (ev) { seekFrame(ev.points[0].customdata[0]); });
    });
  }

  // Events: show one in the replay, or play its clip.
  const clipBox = document.getElementById("clip-box");
  const clipPlayer = document.getElementById("clip-player");
  document.querySelectorAll("tr.event").forEach(function (row) {
    row.addEventListener("click", function (e) {
      const clip = e.target.closest("button[data-clip]");
      document.querySelectorAll("tr.event.current").forEach(function (r) { r.classList.remove("current"); });
      row.classList.add("current");
      if (clip) {
        clipBox.hidden = false;
        clipPlayer.src = clip.dataset.clip;
        clipPlayer.play().catch(function () { /* autoplay refused: the controls are there */ });
      } else {
        seekFrame(Number(row.dataset.frame));
        video.scrollIntoView({ behavior: "smooth", block: "center" });
      }
    });
  });
  const close = document.getElementById("clip-close");
  if (close) close.addEventListener("click", function () { clipPlayer.pause(); clipBox.hidden = true; });

  ["play", "pause"].forEach(function (name) {
    video.addEventListener(name, function () {
      document.dispatchEvent(new CustomEvent("filmroom:" + name, { detail: { frame: current() } }));
    });
  });

  // The review page's API for the other scripts on it (coaching notes, drawings, live co-review).
  // Frame numbers are frame-index numbers everywhere; "filmroom:frame" fires on every change of the
  // frame on screen, "filmroom:play" / "filmroom:pause" on playback, "filmroom:ready" once the
  // frame index has loaded.
  window.FilmRoomReview = {
    video: video,
    stage: document.getElementById("stage"),
    plot: plot,
    replayId: Number(review.dataset.replayId || 0),
    frameCount: function () { return times.length; },
    currentFrame: current,
    seekFrame: seekFrame,
    timeOfFrame: function (n) { return times[n] || 0; },
    frameOfTime: function (t) { return frameAt(t + offset); },
  };

  fetch(review.dataset.framesUrl).then(function (r) { return r.json(); }).then(function (d) {
    times = d.times;
    offset = d.start_s || 0;
    review.dataset.ready = "1";
    show();
    document.dispatchEvent(new CustomEvent("filmroom:ready", { detail: { frames: times.length } }));
  });
})();
