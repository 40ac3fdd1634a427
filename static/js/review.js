// Review: exact frame stepping through the frame index, the Plotly timeline, events and clips.
//
// API for the other scripts on the page (coaching notes, drawings, live co-review):
//   window.FilmRoomReview = { video, stage, plot, replayId, frameCount(), currentFrame(),
//     seekFrame(n), timeOfFrame(n), frameOfTime(t),            // the contract (CONTRACTS.md)
//     targetFrame(), step(d), play(), pause(), togglePlay(), setRate(r), rate(),
//     setLoop(a, b) / clearLoop(), zoom(z, cx?, cy?), pan(dx, dy), resetView(), source }
// Frame numbers are frame-index numbers everywhere; times given/returned are frame-index seconds.
// Document events: "filmroom:frame" {frame, time} on every change of the frame on screen,
// "filmroom:play" / "filmroom:pause" {frame}, "filmroom:ready" {frames} once the index is in.
//
// Stepping: the page plays the review proxy (a key frame on every frame) when the job made one,
// so a seek decodes one frame. Seeks are coalesced: while one is in flight, further steps only
// move the target, and the next seek goes straight to the latest target (a held key scrubs; a
// burst of 10 presses ends 10 frames on). The label shows the target while a seek is in flight
// and the picture's own frame once it has settled.
(function () {
  "use strict";
  const review = document.getElementById("review");
  const video = document.getElementById("player");
  if (!review || !video) return;
  const stage = document.getElementById("stage");
  const frameNo = document.getElementById("frame-no");
  const frameTime = document.getElementById("frame-time");
  let times = [];
  let offset = 0;  // the player's clock = frame-index time + when the video's first frame shows
  let target = null;  // the frame a seek is on its way to (null: none)

  // The frame index arrives as runs of evenly spaced frames (replays/frameindex.py).
  function expand(d) {
    if (d.times) return d.times;
    const out = new Float64Array(d.count);
    const q = d.q;
    let i = 0;
    d.runs.forEach(function (run) {
      const first = run[0], step = run[1], count = run[2];
      for (let k = 0; k < count; k++) out[i++] = Math.floor((first + k * step) / q + 0.5) * q / 1e6;
    });
    return out;
  }

  // Frame N is shown from times[N] until times[N+1]: find the frame on screen at player time t.
  function frameAtIn(list, off, t) {
    t -= off;
    let lo = 0, hi = list.length - 1;
    if (hi < 0) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (list[mid] <= t + 1e-4) lo = mid; else hi = mid - 1;
    }
    return lo;
  }
  function frameAt(t) { return frameAtIn(times, offset, t); }
  // A quarter into the frame's interval, so rounding never lands on its neighbour.
  function playerTimeIn(list, off, n) {
    const next = n + 1 < list.length ? list[n + 1] : list[n] + 1 / 30;
    return off + list[n] + (next - list[n]) / 4;
  }

  function current() { return frameAt(video.currentTime); }

  function seekNow(n) { video.currentTime = playerTimeIn(times, offset, n); }

  function seekFrame(n) {
    if (!times.length) return;
    n = Math.max(0, Math.min(times.length - 1, Math.round(n)));
    if (!video.paused) video.pause();
    target = n;
    if (!video.seeking) seekNow(n);  // else: "seeked" goes on to the latest target
    show();
  }

  function step(d) {
    seekFrame((target !== null ? target : current()) + d);
  }

  video.addEventListener("seeked", function () {
    if (target !== null && frameAt(video.currentTime) !== target) seekNow(target);
    else target = null;
    show();
  });

  let shown = -1;
  function show() {
    const n = current();
    if (n !== shown) {
      shown = n;
      document.dispatchEvent(new CustomEvent("filmroom:frame", { detail: { frame: n, time: times[n] || 0 } }));
    }
    const label = target !== null ? target : n;
    frameNo.textContent = label;
    frameTime.textContent = (times[label] || 0).toFixed(3);
    review.dataset.frame = n;
    review.dataset.settled = target === null && !video.seeking ? "1" : "0";
    markTimeline(times[n] || 0);
    checkLoop(n);
  }

  // A–B loop: playback past B goes back to A.
  let loopA = null, loopB = null;
  const loopLabel = document.getElementById("loop-label");
  function showLoop() {
    if (!loopLabel) return;
    loopLabel.textContent = loopA === null && loopB === null ? "no loop"
      : "loop " + (loopA === null ? "…" : loopA) + "–" + (loopB === null ? "…" : loopB);
  }
  function checkLoop(n) {
    if (loopA === null || loopB === null || video.paused || loopB <= loopA) return;
    if (n >= loopB || n < loopA) video.currentTime = playerTimeIn(times, offset, loopA);
  }
  function setLoop(a, b) { loopA = a; loopB = b; showLoop(); }

  // Playback.
  const rateSelect = document.getElementById("rate");
  function play() { target = null; return video.play().catch(function () { /* refused */ }); }
  function pause() { video.pause(); }
  function togglePlay() { if (video.paused) play(); else pause(); }
  function setRate(r) {
    r = Math.max(0.1, Math.min(2, Number(r) || 1));
    video.playbackRate = r;
    if (rateSelect) rateSelect.value = String(r);
  }
  if (rateSelect) rateSelect.addEventListener("change", function () { setRate(rateSelect.value); });
  const playButton = document.getElementById("play-toggle");
  ["play", "pause"].forEach(function (name) {
    video.addEventListener(name, function () {
      if (playButton) playButton.textContent = video.paused ? "▶ play" : "❚❚ pause";
      document.dispatchEvent(new CustomEvent("filmroom:" + name, { detail: { frame: current() } }));
    });
  });

  // Zoom and pan: the transform applies to #stage, so overlays inside it follow the picture.
  const viewport = document.getElementById("stage-viewport");
  let zoomZ = 1, panX = 0, panY = 0;
  function applyView() {
    const w = viewport ? viewport.clientWidth : stage.clientWidth;
    const h = viewport ? viewport.clientHeight : stage.clientHeight;
    panX = Math.min(0, Math.max(w - w * zoomZ, panX));
    panY = Math.min(0, Math.max(h - h * zoomZ, panY));
    stage.style.transformOrigin = "0 0";
    stage.style.transform = zoomZ === 1 ? "" : "translate(" + panX + "px," + panY + "px) scale(" + zoomZ + ")";
    const label = document.getElementById("zoom-label");
    if (label) label.textContent = Math.round(zoomZ * 100) + "%";
  }
  function zoom(z, cx, cy) {
    const w = stage.clientWidth, h = stage.clientHeight;
    cx = cx === undefined ? w / 2 : cx; cy = cy === undefined ? h / 2 : cy;
    const nz = Math.max(1, Math.min(8, z));
    // keep the point under (cx, cy) (viewport pixels) where it is
    panX = cx - (cx - panX) * nz / zoomZ; panY = cy - (cy - panY) * nz / zoomZ;
    zoomZ = nz; applyView();
  }
  function pan(dx, dy) { panX += dx; panY += dy; applyView(); }
  function resetView() { zoomZ = 1; panX = 0; panY = 0; applyView(); }
  if (viewport) {
    viewport.addEventListener("wheel", function (e) {
      if (!e.ctrlKey && !e.altKey) return;
      e.preventDefault();
      const r = viewport.getBoundingClientRect();
      zoom(zoomZ * (e.deltaY < 0 ? 1.25 : 0.8), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    let drag = null;
    viewport.addEventListener("pointerdown", function (e) {
      if (zoomZ === 1 || !(e.shiftKey || e.button === 1)) return;
      drag = { x: e.clientX, y: e.clientY };
      viewport.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    viewport.addEventListener("pointermove", function (e) {
      if (!drag) return;
      pan(e.clientX - drag.x, e.clientY - drag.y);
      drag = { x: e.clientX, y: e.clientY };
    });
    viewport.addEventListener("pointerup", function () { drag = null; });
  }

  const deaths = Array.from(document.querySelectorAll("tr.event[data-kind=death]"))
    .map(function (row) { return Number(row.dataset.frame); }).sort(function (a, b) { return a - b; });

  function jumpDeath(dir) {
    const n = target !== null ? target : current();
    const found = dir > 0 ? deaths.find(function (f) { return f > n; })
                          : deaths.slice().reverse().find(function (f) { return f < n; });
    if (found !== undefined) seekFrame(found);
  }
  function jumpSeconds(s) {
    const n = target !== null ? target : current();
    seekFrame(frameAt(offset + (times[n] || 0) + s));
  }

  review.addEventListener("click", function (e) {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.dataset.step) step(Number(b.dataset.step));
    else if (b.dataset.stepS) jumpSeconds(Number(b.dataset.stepS));
    else if (b.dataset.jump) jumpDeath(Number(b.dataset.dir));
    else if (b.id === "play-toggle") togglePlay();
    else if (b.dataset.loop === "a") setLoop(current(), loopB);
    else if (b.dataset.loop === "b") setLoop(loopA, current());
    else if (b.dataset.loop === "clear") setLoop(null, null);
    else if (b.dataset.zoom === "in") zoom(zoomZ * 1.5);
    else if (b.dataset.zoom === "out") zoom(zoomZ / 1.5);
    else if (b.dataset.zoom === "reset") resetView();
  });

  document.addEventListener("keydown", function (e) {
    if (e.target.closest("input, select, textarea, [contenteditable]")) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key;
    if (k === ",") step(-1);
    else if (k === ".") step(1);
    else if (e.shiftKey && k === "ArrowLeft") jumpDeath(-1);
    else if (e.shiftKey && k === "ArrowRight") jumpDeath(1);
    else if (k === "ArrowLeft") jumpSeconds(-1);
    else if (k === "ArrowRight") jumpSeconds(1);
    else if (k === " " || k === "k" || k === "K") togglePlay();
    else if (k === "j" || k === "J") jumpSeconds(-1);
    else if (k === "l" || k === "L") jumpSeconds(1);
    else if (k === "[") setLoop(current(), loopB);
    else if (k === "]") setLoop(loopA, current());
    else if (k === "\\") setLoop(null, null);
    else if (k === "+" || k === "=") zoom(zoomZ * 1.5);
    else if (k === "-") zoom(zoomZ / 1.5);
    else if (k === "0") resetView();
    else if (k === "<") setRate(video.playbackRate / 2);
    else if (k === ">") setRate(video.playbackRate * 2);
    else return;
    e.preventDefault();
  });

  ["seeking", "timeupdate", "loadedmetadata"].forEach(function (name) { video.addEventListener(name, show); });
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
      if (e.target.closest("button, a, input, select, form") && !clip && !e.target.closest("button[data-seek]")) return;
      document.querySelectorAll("tr.event.current").forEach(function (r) { r.classList.remove("current"); });
      row.classList.add("current");
      if (clip) {
        clipBox.hidden = false;
        clipPlayer.src = clip.dataset.clip;
        clipPlayer.play().catch(function () { /* autoplay refused: the controls are there */ });
      } else {
        seekFrame(Number(row.dataset.frame));
      }
    });
  });
  const close = document.getElementById("clip-close");
  if (close) close.addEventListener("click", function () { clipPlayer.pause(); clipBox.hidden = true; });

  // Side by side: another event of the team, stepping in sync with this one.
  const compareBox = document.getElementById("compare");
  const compareVideo = document.getElementById("compare-player");
  const compareSelect = document.getElementById("compare-select");
  const cmp = { times: [], offset: 0, anchorMain: 0, anchorOther: 0, active: false, target: null };
  function compareFrame() { return frameAtIn(cmp.times, cmp.offset, compareVideo.currentTime); }
  function compareSeek(n) {
    if (!cmp.times.length) return;
    n = Math.max(0, Math.min(cmp.times.length - 1, n));
    cmp.target = n;
    if (!compareVideo.seeking) compareVideo.currentTime = playerTimeIn(cmp.times, cmp.offset, n);
  }
  function compareShow() {
    const label = document.getElementById("compare-frame");
    if (label) label.textContent = cmp.target !== null ? cmp.target : compareFrame();
    compareBox.dataset.frame = compareFrame();
    compareBox.dataset.settled = cmp.target === null && !compareVideo.seeking ? "1" : "0";
  }
  if (compareVideo) {
    compareVideo.addEventListener("seeked", function () {
      if (cmp.target !== null && compareFrame() !== cmp.target) {
        compareVideo.currentTime = playerTimeIn(cmp.times, cmp.offset, cmp.target);
      } else cmp.target = null;
      compareShow();
    });
    compareVideo.addEventListener("timeupdate", compareShow);
  }
  function openCompare(option) {
    fetch(option.dataset.frames + "?compact=1").then(function (r) { return r.json(); }).then(function (d) {
      cmp.times = expand(d);
      cmp.offset = d.proxy ? d.proxy.start_s : d.start_s || 0;
      compareVideo.src = d.proxy ? d.proxy.url : option.dataset.video;
      cmp.anchorMain = target !== null ? target : current();
      cmp.anchorOther = Number(option.dataset.frame);
      cmp.active = true;
      compareBox.hidden = false;
      review.classList.add("dual");
      compareSeek(cmp.anchorOther);
      compareBox.dataset.ready = "1";
    });
  }
  function closeCompare() {
    cmp.active = false;
    compareVideo.pause();
    compareVideo.removeAttribute("src");
    compareBox.hidden = true;
    review.classList.remove("dual");
    if (compareSelect) compareSelect.value = "";
  }
  if (compareSelect) {
    compareSelect.addEventListener("change", function () {
      const option = compareSelect.selectedOptions[0];
      if (!option || !option.value) closeCompare(); else openCompare(option);
    });
  }
  const compareClose = document.getElementById("compare-close");
  if (compareClose) compareClose.addEventListener("click", closeCompare);
  document.addEventListener("filmroom:frame", function (e) {
    if (!cmp.active || !video.paused) return;
    compareSeek(cmp.anchorOther + (e.detail.frame - cmp.anchorMain));
  });
  video.addEventListener("play", function () {
    if (!cmp.active) return;
    compareVideo.playbackRate = video.playbackRate;
    compareVideo.play().catch(function () { /* refused */ });
  });
  video.addEventListener("pause", function () {
    if (!cmp.active) return;
    compareVideo.pause();
    compareSeek(cmp.anchorOther + (current() - cmp.anchorMain));
  });
  video.addEventListener("ratechange", function () { if (cmp.active) compareVideo.playbackRate = video.playbackRate; });

  window.FilmRoomReview = {
    video: video,
    stage: stage,
    plot: plot,
    replayId: Number(review.dataset.replayId || 0),
    source: video.dataset.source || "original",
    frameCount: function () { return times.length; },
    currentFrame: current,
    targetFrame: function () { return target !== null ? target : current(); },
    seekFrame: seekFrame,
    step: step,
    timeOfFrame: function (n) { return times[n] || 0; },
    frameOfTime: function (t) { return frameAt(t + offset); },
    play: play,
    pause: pause,
    togglePlay: togglePlay,
    setRate: setRate,
    rate: function () { return video.playbackRate; },
    setLoop: setLoop,
    clearLoop: function () { setLoop(null, null); },
    zoom: function (z, cx, cy) { zoom(z, cx, cy); },
    pan: pan,
    resetView: resetView,
  };

  const url = review.dataset.framesUrl + (review.dataset.framesUrl.indexOf("?") < 0 ? "?" : "&") + "compact=1";
  fetch(url).then(function (r) { return r.json(); }).then(function (d) {
    times = expand(d);
    const proxy = video.dataset.source === "proxy" && d.proxy;
    offset = proxy ? d.proxy.start_s : d.start_s || 0;
    review.dataset.ready = "1";
    show();
    document.dispatchEvent(new CustomEvent("filmroom:ready", { detail: { frames: times.length } }));
  });
})();
