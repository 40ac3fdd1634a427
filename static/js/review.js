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
//
// The picture's own frame comes from requestVideoFrameCallback's mediaTime, not currentTime: on
// an original with B-frames and a variable frame rate, Chromium takes a frame's duration from its
// sample's decode-time delta, so after a seek it can keep showing an earlier frame whose
// presentation ended (a seek to frame 150 shows 148), or one that ends too soon (a seek to 255
// shows 256: the page then seeks to the frame before). When a seek settles on an earlier picture,
// the page plays forward muted at 1/16 speed until the target is on screen, then pauses ("creep").
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
  let presented = null;  // the frame on screen per requestVideoFrameCallback (null: unknown)
  let creep = null;  // {rate, muted, until} while playing forward onto a frame a seek missed
  let crept = false;  // once per seek: a creep that timed out settles on what shows
  let approach = null;  // a seek to the frame before the target, when a seek showed a later one
  let backOffs = 0;  // times this target's seek showed a later frame and went to the one before
  let stepping = null;  // {from, dir} while a step's seek is on its way
  let verifyTimer = null;  // a settled seek waits this long at most for the picture's frame
  let calmTimer = null;  // after a creep's pause: the picture may still move on by one frame
  let hushPlay = false, hushPause = false;  // the creep's own play/pause are not the user's
  const watchFrames = !!video.requestVideoFrameCallback;
  const MAX_BACK_OFFS = 3;
  // After the creep's pause a frame already on its way can still show; the picture must rest this
  // long before the page says where it is (a loaded machine composited one 150 ms late).
  const CALM_MS = 300;

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
  // Just into the frame's interval (a quarter of it, 1 ms at most), so rounding never lands on
  // its neighbour and a decoder's short sample duration does not drop the frame.
  function playerTimeIn(list, off, n) {
    const next = n + 1 < list.length ? list[n + 1] : list[n] + 1 / 30;
    return off + list[n] + Math.min((next - list[n]) / 4, 0.001);
  }

  function current() { return presented !== null ? presented : frameAt(video.currentTime); }

  let seekAt = 0;  // when the latest seek was asked for: a picture composited before is stale
  function seekTo(t) {
    presented = null;
    crept = false;
    seekAt = performance.now();
    video.currentTime = t;
  }
  function seekNow(n) { approach = null; seekTo(playerTimeIn(times, offset, n)); }

  function seekFrame(n, byStep) {
    if (!times.length) return;
    if (!byStep) stepping = null;
    n = Math.max(0, Math.min(times.length - 1, Math.round(n)));
    stopCreep();
    clearTimeout(calmTimer); calmTimer = null;
    if (!video.paused) video.pause();
    if (n !== target) { backOffs = 0; approach = null; }
    target = n;
    if (!video.seeking) seekNow(n);  // else: "seeked" goes on to the latest target
    show();
  }

  function step(d) {
    const from = target !== null ? target : current();
    const n = from + d;
    if (target === null) stepping = { from: from, dir: d < 0 ? -1 : 1 };
    seekFrame(n, true);
  }

  video.addEventListener("seeked", function () {
    if (target !== null && approach === null && frameAt(video.currentTime) !== target) seekNow(target);
    else if (target !== null && watchFrames) {
      clearTimeout(verifyTimer);  // the next presented frame says whether the picture is there
      verifyTimer = setTimeout(function () { settleOn(presented); }, 1000);
      if (presented !== null) settleOn(presented);
    } else target = null;
    show();
  });

  // A seek's time is reached: is the picture on the target frame? An earlier one: creep onto it.
  function settleOn(p) {
    if (target === null || video.seeking || creep || calmTimer !== null) return;
    if (p !== null && p > target && backOffs < MAX_BACK_OFFS && target > 0) {
      backOffs += 1;  // the seek (or a creep's late pause) showed a later frame: go to the one
      // before, then creep on; a loaded machine can overshoot twice in a row
      approach = playerTimeIn(times, offset, target - 1);
      seekTo(approach);
      return;
    }
    if (p !== null && p < target && !crept) { startCreep(); return; }
    clearTimeout(verifyTimer);
    approach = null;
    // A step whose picture did not move its way goes one frame further (the browser never
    // showed the frame asked for).
    const t = target + (stepping ? stepping.dir : 0);
    if (stepping && p !== null && (stepping.dir < 0 ? p >= stepping.from : p <= stepping.from)
        && t >= 0 && t < times.length) { seekFrame(t, true); return; }
    stepping = null;
    target = null;  // on the target, or past it (a picture a seek cannot reach): say what shows
    show();
  }
  function startCreep() {
    clearTimeout(verifyTimer);
    crept = true;
    // At 1/16 speed the gap to the target's picture takes 16 times its media time, plus 2 s.
    const gap = presented !== null ? Math.max(0, (times[target] || 0) - (times[presented] || 0)) : 0.1;
    creep = { rate: video.playbackRate, muted: video.muted, until: performance.now() + 2000 + 16000 * gap };
    video.muted = true;
    video.playbackRate = 0.0625;  // the slowest Chromium plays: a 16 ms frame shows 256 ms
    hushPlay = true;
    video.play().catch(function () { hushPlay = false; stopCreep(); settleOn(null); });
  }
  function stopCreep() {
    if (!creep) return;
    const was = creep;
    creep = null;
    if (!video.paused) { hushPause = true; video.pause(); }
    video.playbackRate = was.rate;
    video.muted = was.muted;
  }
  function calm() {
    clearTimeout(calmTimer);
    calmTimer = setTimeout(function () { calmTimer = null; settleOn(presented); }, CALM_MS);
  }
  function onPicture(meta) {
    if (meta.presentationTime < seekAt) return;
    presented = frameAt(meta.mediaTime + 5e-4);
    if (creep && (presented >= target || performance.now() > creep.until)) {
      stopCreep();  // settle once a pause has surely taken hold, on the frame then shown
      calm();
    } else if (calmTimer !== null) {
      calm();  // a frame already on its way showed after the pause: wait until the picture rests
    } else if (creep) {
      return;
    } else if (!creep && target !== null && video.paused && !video.seeking
               && (approach !== null || frameAt(video.currentTime) === target)) settleOn(presented);
    show();
  }

  let shown = -1;
  function show() {
    if (creep) { review.dataset.settled = "0"; return; }  // keep the main thread free meanwhile
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
    if (loopA === null || loopB === null || video.paused || creep || loopB <= loopA) return;
    if (n >= loopB || n < loopA) video.currentTime = playerTimeIn(times, offset, loopA);
  }
  function setLoop(a, b) { loopA = a; loopB = b; showLoop(); }

  // Playback.
  const rateSelect = document.getElementById("rate");
  function play() { stopCreep(); target = null; return video.play().catch(function () { /* refused */ }); }
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
      if (name === "play" && hushPlay) { hushPlay = false; return; }
      if (name === "pause" && hushPause) { hushPause = false; return; }
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

  // The events that count: a rejected one did not happen (the table still lists it).
  function countedRows() {
    return Array.from(document.querySelectorAll("tr.event")).filter(function (row) {
      return row.dataset.review !== "rejected";
    });
  }

  function jumpDeath(dir) {
    const deaths = countedRows().filter(function (row) { return row.dataset.kind === "death"; })
      .map(function (row) { return Number(row.dataset.frame); }).sort(function (a, b) { return a - b; });
    const n = target !== null ? target : current();
    const found = dir > 0 ? deaths.find(function (f) { return f > n; })
                          : deaths.slice().reverse().find(function (f) { return f < n; });
    if (found !== undefined) seekFrame(found);
  }
  function jumpSeconds(s) {
    const n = target !== null ? target : current();
    let to = frameAt(offset + (times[n] || 0) + s);
    // Over a gap in a variable-frame-rate recording (no frame within the second) the frame shown
    // then is this one: go on to the frame after the gap (back: before it) rather than stay.
    if (to === n) to = Math.max(0, Math.min(times.length - 1, n + Math.sign(s)));
    seekFrame(to);
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

  // A transport or event button pressed with the mouse does not keep the focus, so Space
  // afterwards plays and pauses (as the key help says) instead of pressing that button again;
  // a button reached with Tab still takes Space.
  for (const area of [review, document.getElementById("events")]) {
    if (!area) continue;
    area.addEventListener("mousedown", function (e) {
      if (e.button === 0 && e.target.closest("button")) e.preventDefault();
    });
  }

  document.addEventListener("keydown", function (e) {
    if (e.target.closest("input, select, textarea, [contenteditable]")) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key;
    // Space on a focused button or link presses it (keyboard users confirm events so), as
    // everywhere else; K still plays and pauses from there.
    if (k === " " && e.target.closest("button, a[href], summary, [role='button']")) return;
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
  if (watchFrames) {
    const tick = function (now, meta) { onPicture(meta); video.requestVideoFrameCallback(tick); };
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

  // After a correction (corrections.js): the stats and the timeline's kill and death lanes are
  // redrawn from the table, as the server draws them (replays.selectors.replay_stats,
  // replays.charts.timeline_figure).
  document.addEventListener("filmroom:events-changed", function () {
    const counted = countedRows();
    const of = function (kind) { return counted.filter(function (r) { return r.dataset.kind === kind; }); };
    const kills = of("kill"), deaths = of("death");
    const stats = document.getElementById("replay-stats");
    if (stats) {
      const minutes = Number(stats.dataset.duration) / 60;
      const put = function (name, text) { stats.querySelector("[data-stat=" + name + "]").textContent = text; };
      put("kills", kills.length);
      put("deaths", deaths.length);
      put("kd", (deaths.length ? kills.length / deaths.length : kills.length).toFixed(2));
      put("dpm", (minutes ? deaths.length / minutes : 0).toFixed(2));
    }
    if (!plot || !plot.data || !window.Plotly) return;
    const lanes = [["Kills", kills], ["Deaths", deaths]].map(function (pair) {
      return { at: plot.data.findIndex(function (t) { return t.name === pair[0]; }), name: pair[0], rows: pair[1] };
    }).filter(function (lane) { return lane.at >= 0; });
    if (!lanes.length) return;
    Plotly.restyle(plot, {
      x: lanes.map(function (l) { return l.rows.map(function (r) { return Number(r.dataset.time); }); }),
      y: lanes.map(function (l) { return l.rows.map(function () { return l.name; }); }),
      customdata: lanes.map(function (l) {
        return l.rows.map(function (r) {
          const conf = r.querySelector(".event-conf");
          return [Number(r.dataset.frame), Number(conf ? conf.textContent : 0), Number(r.dataset.id), r.dataset.source];
        });
      }),
    }, lanes.map(function (l) { return l.at; }));
  });

  // Events: show one in the replay, or play its clip.
  const clipBox = document.getElementById("clip-box");
  const clipPlayer = document.getElementById("clip-player");
  // On the table, not on each row: rows a coach adds (corrections.js) work the same.
  const eventRows = document.querySelector("#events tbody");
  if (eventRows) {
    eventRows.addEventListener("click", function (e) {
      const row = e.target.closest("tr.event");
      if (!row) return;
      const clip = e.target.closest("button[data-clip]");
      if (e.target.closest("button, a, input, select, form") && !clip && !e.target.closest("button[data-seek]")) return;
      document.querySelectorAll("tr.event.current").forEach(function (r) { r.classList.remove("current"); });
      row.classList.add("current");
      if (clip) {
        clipBox.hidden = false;
        // Cut on first open: FilmRoomClip says "cutting…" meanwhile, or why it failed.
        window.FilmRoomClip.open(clipPlayer, clip.dataset.clip, document.getElementById("clip-status"), true);
      } else {
        seekFrame(Number(row.dataset.frame));
      }
    });
  }
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
  document.addEventListener("filmroom:play", function () {
    if (!cmp.active) return;
    compareVideo.playbackRate = video.playbackRate;
    compareVideo.play().catch(function () { /* refused */ });
  });
  document.addEventListener("filmroom:pause", function () {
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
