// Game-profile pages: boxes drawn over reference thumbnails, and the in-browser profile editor
// (exact frame stepping through the replay's frame index, a box dragged on the server-rendered
// frame, "Try it" on the replay, and saving a new version).
(function () {
  "use strict";

  // Places a figure's box overlay in percent of its image's natural size, so it scales with it.
  function placeBox(fig) {
    const img = fig.querySelector("img");
    const box = fig.querySelector(".ref-box");
    const b = (fig.dataset.box || "").split(",").map(Number);
    if (!img || !box || b.length !== 4) return;
    const place = function () {
      const w = img.naturalWidth, h = img.naturalHeight;
      if (!w || !h) return;
      box.style.left = (100 * b[0] / w) + "%";
      box.style.top = (100 * b[1] / h) + "%";
      box.style.width = (100 * b[2] / w) + "%";
      box.style.height = (100 * b[3] / h) + "%";
      box.hidden = false;
    };
    if (img.complete) place(); else img.addEventListener("load", place);
  }
  document.querySelectorAll("figure.ref[data-box]").forEach(placeBox);

  const dataEl = document.getElementById("editor-data");
  if (!dataEl) return;
  const data = JSON.parse(dataEl.textContent);
  const $ = function (id) { return document.getElementById(id); };
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const draftKey = "profile-draft-" + (data.profile || "new");
  const errorEl = $("editor-error");

  let indicators = data.indicators.slice();
  const stored = sessionStorage.getItem(draftKey);
  if (stored) {  // coming back from switching the replay: keep the draft
    sessionStorage.removeItem(draftKey);
    const draft = JSON.parse(stored);
    indicators = draft.indicators;
    if ($("profile-name")) $("profile-name").value = draft.name || "";
  }

  // A box over a quarter of its frame is more likely the scene than a HUD element: the page says
  // so while it is drawn and on the indicator; Save and Try it refuse one over half of it
  // (MAX_BOX_SHARE and LARGE_BOX_SHARE in detectors/matching.py).
  const LARGE_BOX_SHARE = 0.25;
  const MAX_BOX_SHARE = 0.5;
  function largeBoxWarning(b, width, height) {
    const share = width && height ? b[2] * b[3] / (width * height) : 0;
    if (share <= LARGE_BOX_SHARE) return "";
    return "This box covers " + Math.round(100 * share) + " % of the frame: an indicator is a " +
      "HUD element (a kill-feed line, a banner), and a box this large matches the whole scene. " +
      (share > MAX_BOX_SHARE ? "Save and Try it refuse a box over half of the frame." :
        "Draw it around the indicator alone.");
  }

  function showError(message) {
    errorEl.textContent = message;
    errorEl.hidden = !message;
    if (message) errorEl.scrollIntoView({ block: "nearest" });
    else {  // a status that pointed at the message points at nothing now
      for (const id of ["try-status", "discover-status"]) {  // (not on the page without a replay)
        const status = $(id);
        if (status && status.textContent.endsWith("see the message above.")) status.textContent = "";
      }
    }
  }

  async function postJSON(url, body) {
    const r = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
    let payload = {};
    try { payload = await r.json(); } catch (e) { payload = { error: "the server answered " + r.status }; }
    if (!r.ok) throw new Error(payload.error || "the server answered " + r.status);
    return payload;
  }

  function teamId() {
    const select = $("team-select");
    return select ? Number(select.value) : null;
  }

  // The draft as the server wants it (no display-only fields).
  function payloadIndicators() {
    return indicators.map(function (ind) {
      const out = { kind: ind.kind, box: ind.box };
      if (ind.reference) {
        out.reference = ind.reference;
        if (ind.search) out.search = ind.search;
      } else {
        out.replay = ind.replay;
        out.frame = ind.frame;
      }
      if (ind.threshold !== undefined && ind.threshold !== null && ind.threshold !== "") {
        out.threshold = Number(ind.threshold);
      }
      return out;
    });
  }

  // ---- The indicator list ----
  function renderIndicators() {
    const list = $("indicators");
    list.textContent = "";
    $("no-indicators").hidden = indicators.length > 0;
    // The page's note on kept indicators that need a new box goes once none is left.
    if ($("redraw-warning")) {
      $("redraw-warning").hidden = !indicators.some(function (ind) { return ind.redraw; });
    }
    indicators.forEach(function (ind, i) {
      const fig = document.createElement("figure");
      fig.className = "ref";
      fig.dataset.box = ind.box.join(",");
      const frame = document.createElement("div");
      frame.className = "ref-frame";
      const img = document.createElement("img");
      const warning = document.createElement("p");
      warning.className = "warn box-warning";
      warning.hidden = true;
      if (ind.redraw) {  // kept from a version saved before the check: said from the start
        warning.classList.add("redraw");
        warning.textContent = "Needs a new box: Save and Try it refuse it as it is (" +
          ind.redraw + "). Remove it and add it again from a frame of a replay.";
        warning.hidden = false;
      } else {
        img.addEventListener("load", function () {
          warning.textContent = largeBoxWarning(ind.box, img.naturalWidth, img.naturalHeight);
          warning.hidden = !warning.textContent;
        });
      }
      img.src = ind.image_url;
      img.alt = ind.kind + " reference";
      const box = document.createElement("span");
      box.className = "ref-box " + ind.kind + "-box";
      box.hidden = true;
      frame.append(img, box);
      const cap = document.createElement("figcaption");
      const kind = document.createElement("span");
      kind.className = ind.kind;
      kind.textContent = ind.kind;
      const source = ind.reference ? ind.reference : "new · replay " + ind.replay + " frame " + ind.frame;
      const threshold = ind.threshold !== undefined && ind.threshold !== "" ? " · threshold " + ind.threshold : "";
      cap.append(kind, " · " + source + " · box " + ind.box.join(", ") + threshold + " ");
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link remove";
      remove.textContent = "Remove";
      remove.addEventListener("click", function () {
        indicators.splice(i, 1);
        renderIndicators();
      });
      cap.append(remove, warning);
      fig.append(frame, cap);
      list.append(fig);
      placeBox(fig);
    });
  }
  renderIndicators();

  $("replay-select").addEventListener("change", function (e) {
    if (!e.target.value) return;
    const name = $("profile-name") ? $("profile-name").value : "";
    sessionStorage.setItem(draftKey, JSON.stringify({ indicators: indicators, name: name }));
    const url = new URL(window.location.href);
    url.searchParams.set("replay", e.target.value);
    window.location.href = url.toString();
  });

  // ---- Saving ----
  $("save").addEventListener("click", async function () {
    showError("");
    const button = $("save");
    button.disabled = true;
    try {
      const body = { indicators: payloadIndicators(), redetect: $("redetect").checked };
      if (teamId() !== null) body.team = teamId();
      if ($("profile-name")) body.name = $("profile-name").value;
      const saved = await postJSON(data.save_url, body);
      window.location.href = saved.url;
    } catch (err) {
      showError(err.message);
      button.disabled = false;
    }
  });

  const replay = data.replay;
  if (!replay) return;

  // ---- Frame stepping over the frame index (frame N is shown from times[N] to times[N+1]) ----
  const video = $("editor-video");
  let times = [];
  let offset = 0;  // the player's clock = frame-index time + when the first frame shows
  let current = 0;

  function frameAt(t) {
    let lo = 0, hi = times.length - 1;
    while (lo < hi) {  // the last frame whose time is <= t
      const mid = (lo + hi + 1) >> 1;
      if (times[mid] <= t + 1e-6) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function showFrame(n) {
    current = n;
    $("frame-number").textContent = n;
    $("frame-time").textContent = (times[n] || 0).toFixed(3);
  }

  function seekFrame(n) {
    if (!times.length) return;
    n = Math.max(0, Math.min(times.length - 1, n));
    video.pause();
    showFrame(n);
    // Aim at the middle of the frame's display interval so rounding cannot land on a neighbour.
    const next = n + 1 < times.length ? times[n + 1] : times[n] + 0.002;
    video.currentTime = offset + (times[n] + next) / 2;
  }

  function step(kind) {
    if (kind === "1s" || kind === "-1s") {
      const sign = kind === "1s" ? 1 : -1;
      seekFrame(frameAt(times[current] + sign * 1.0));
    } else {
      seekFrame(current + Number(kind));
    }
  }

  fetch(replay.frames_url).then(function (r) {
    if (!r.ok) throw new Error("no frame index for this replay");
    return r.json();
  }).then(function (index) {
    times = index.times;
    offset = index.start_s || 0;
    $("frame-total").textContent = times.length - 1;  // the last frame, as the review page says
    $("use-frame").disabled = false;
    showFrame(0);
    renderMoments();
  }).catch(function (err) { showError(err.message); });

  document.querySelectorAll("[data-step]").forEach(function (button) {
    button.addEventListener("click", function () { step(button.dataset.step); });
  });
  $("play-toggle").addEventListener("click", function () {
    if (video.paused) video.play(); else video.pause();
  });
  video.addEventListener("play", function () { $("play-toggle").textContent = "Pause"; });
  video.addEventListener("pause", function () { $("play-toggle").textContent = "Play"; });
  video.addEventListener("timeupdate", function () {
    if (!video.paused && times.length) showFrame(frameAt(video.currentTime - offset));
  });
  video.addEventListener("pause", function () {
    if (times.length) seekFrame(frameAt(video.currentTime - offset));  // settle on a whole frame
  });
  document.addEventListener("keydown", function (e) {
    if (e.target.closest("input, select, textarea")) return;
    const keys = { ArrowLeft: "-1", ArrowRight: "1", ",": "-1", ".": "1" };
    if (keys[e.key]) { e.preventDefault(); step(e.shiftKey ? keys[e.key] + "s" : keys[e.key]); }
  });

  // ---- The exact frame on a canvas, and the box dragged on it ----
  const canvas = $("frame-canvas");
  const ctx = canvas.getContext("2d");
  const image = new Image();
  let canvasFrame = null;
  let box = null;
  let dragFrom = null;

  function kindColor() {
    return $("kind-select").value === "death" ? "#ff5c6c" : "#3ecf8e";
  }

  function drawCanvas() {
    if (canvasFrame === null) return;
    ctx.drawImage(image, 0, 0);
    if (!box) return;
    ctx.fillStyle = "rgba(0, 0, 0, 0.45)";  // dim what is outside the box
    ctx.fillRect(0, 0, canvas.width, box[1]);
    ctx.fillRect(0, box[1] + box[3], canvas.width, canvas.height - box[1] - box[3]);
    ctx.fillRect(0, box[1], box[0], box[3]);
    ctx.fillRect(box[0] + box[2], box[1], canvas.width - box[0] - box[2], box[3]);
    ctx.strokeStyle = kindColor();
    ctx.lineWidth = Math.max(2, canvas.width / 400);
    ctx.strokeRect(box[0] + 0.5, box[1] + 0.5, box[2], box[3]);
  }

  function updateBoxLabel() {
    $("box-label").textContent = box ? "[" + box.join(", ") + "]" : "none";
    $("box-warning").textContent = box ? largeBoxWarning(box, canvas.width, canvas.height) : "";
    $("box-warning").hidden = !$("box-warning").textContent;
    $("add-indicator").disabled = !(box && box[2] >= 4 && box[3] >= 4);
  }

  // Loads frame n onto the canvas, with a starting box (or none).
  function loadCanvasFrame(n, startBox) {
    image.onload = function () {
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      canvasFrame = n;
      box = startBox ? startBox.slice() : null;
      $("canvas-frame").textContent = n;
      $("canvas-hint").hidden = true;
      updateBoxLabel();
      drawCanvas();
    };
    image.onerror = function () { showError("frame " + n + " could not be loaded"); };
    image.src = replay.frame_url + n + ".png";
  }

  $("use-frame").addEventListener("click", function () {
    showError("");
    loadCanvasFrame(current, null);
  });

  // ---- Discovery: marked moments in, a proposed box out (POST data.discover_url) ----
  const moments = [];
  const MAX_MOMENTS = 5;

  function renderMoments() {
    const list = $("moments");
    list.textContent = "";
    moments.forEach(function (n, i) {
      const item = document.createElement("li");
      item.textContent = "frame " + n + " · " + (times[n] || 0).toFixed(3) + " s ";
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link remove";
      remove.textContent = "Remove";
      remove.addEventListener("click", function () { moments.splice(i, 1); renderMoments(); });
      item.append(remove);
      list.append(item);
    });
    $("mark-moment").disabled = !times.length || moments.length >= MAX_MOMENTS;
    $("discover-run").disabled = moments.length < 2;
  }

  $("mark-moment").addEventListener("click", function () {
    if (moments.indexOf(current) < 0 && moments.length < MAX_MOMENTS) moments.push(current);
    moments.sort(function (a, b) { return a - b; });
    renderMoments();
  });

  $("discover-run").addEventListener("click", async function () {
    showError("");
    const button = $("discover-run");
    button.disabled = true;
    $("discover-status").textContent = "Looking at the frames around each moment…";
    try {
      const found = await postJSON(data.discover_url, { frames: moments });
      loadCanvasFrame(found.frame, found.box);
      seekFrame(found.frame);
      $("discover-status").textContent = (found.weak ? "A weak proposal: little appeared at " +
        "every marked moment (a kill feed or a banner scores about 0.3 or more). Check that each " +
        "mark is within a second after a kill's sign appears and that the marks are at least " +
        "two seconds apart. " : "") + "Proposed box [" + found.box.join(", ") + "] on frame " +
        found.frame + " (score " + found.score.toFixed(2) + "): adjust it by dragging, choose " +
        "the kind, then Add indicator. The sign appeared near frames " +
        found.onset_frames.join(", ") + "." + (found.ignored_moment_s === null ? "" :
        " The moment at " + found.ignored_moment_s.toFixed(3) + " s was left out: the others " +
        "agree far more clearly without it.");
    } catch (err) {
      showError(err.message);
      $("discover-status").textContent = "No proposal: see the message above.";
    } finally {
      button.disabled = moments.length < 2;
    }
  });

  // Canvas pixels (the frame's own pixels) under the mouse, clamped to the frame.
  function toPixels(e) {
    const rect = canvas.getBoundingClientRect();
    const x = (e.clientX - rect.left) * canvas.width / rect.width;
    const y = (e.clientY - rect.top) * canvas.height / rect.height;
    return [Math.max(0, Math.min(canvas.width, Math.round(x))),
      Math.max(0, Math.min(canvas.height, Math.round(y)))];
  }

  // Pointer events: a mouse, a pen or a finger draws the box (touch-action: none on the canvas
  // keeps a finger's drag from scrolling the page instead). The canvas captures the pointer, so
  // a drag that leaves it still ends the box (clamped to the frame).
  canvas.addEventListener("pointerdown", function (e) {
    if (canvasFrame === null || (e.pointerType === "mouse" && e.button !== 0)) return;
    e.preventDefault();
    dragFrom = toPixels(e);
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!dragFrom) return;
    const to = toPixels(e);
    box = [Math.min(dragFrom[0], to[0]), Math.min(dragFrom[1], to[1]),
      Math.abs(to[0] - dragFrom[0]), Math.abs(to[1] - dragFrom[1])];
    updateBoxLabel();
    drawCanvas();
  });
  for (const end of ["pointerup", "pointercancel"]) {
    canvas.addEventListener(end, function () { dragFrom = null; });
  }
  $("kind-select").addEventListener("change", drawCanvas);

  $("add-indicator").addEventListener("click", function () {
    if (!box || canvasFrame === null) return;
    const threshold = $("threshold").value;
    if (threshold !== "" && !(Number(threshold) >= 0 && Number(threshold) <= 1)) {
      showError("the threshold must be a number between 0 and 1");
      return;
    }
    showError("");
    indicators.push({
      kind: $("kind-select").value,
      replay: replay.id,
      frame: canvasFrame,
      box: box.slice(),
      threshold: threshold === "" ? undefined : Number(threshold),
      image_url: replay.frame_url + canvasFrame + ".png",
    });
    box = null;
    updateBoxLabel();
    drawCanvas();
    renderIndicators();
  });

  // ---- Try it ----
  function renderResults(result) {
    const list = $("results");
    const line = $("timeline");
    list.textContent = "";
    line.textContent = "";
    const duration = times.length ? times[times.length - 1] : 1;
    result.events.forEach(function (ev) {
      const item = document.createElement("li");
      item.className = "result " + ev.kind;
      item.tabIndex = 0;
      item.textContent = ev.kind + " · frame " + ev.frame + " · " + ev.time_s.toFixed(3) + " s · confidence " + ev.confidence.toFixed(2);
      const go = function () {
        seekFrame(ev.frame);
        list.querySelectorAll(".active").forEach(function (a) { a.classList.remove("active"); });
        item.classList.add("active");
      };
      item.addEventListener("click", go);
      item.addEventListener("keydown", function (e) { if (e.key === "Enter") go(); });
      list.append(item);
      const mark = document.createElement("span");
      mark.className = "mark " + ev.kind + "-mark";
      mark.style.left = (100 * ev.time_s / Math.max(duration, 1e-6)) + "%";
      mark.title = ev.kind + " at frame " + ev.frame;
      mark.addEventListener("click", go);
      line.append(mark);
    });
    line.hidden = false;
    const found = result.events.length + " event" + (result.events.length === 1 ? "" : "s") + " found";
    const partial = result.complete ? "" : " (partial: " + result.message + ")";
    $("try-status").textContent = found + " in " + result.frames_decoded + " of " + result.frames_total + " frames" + partial + ".";
  }

  $("try-it").addEventListener("click", async function () {
    showError("");
    const button = $("try-it");
    button.disabled = true;
    $("try-status").textContent = "Trying the draft on this replay…";
    try {
      const body = { replay: replay.id, indicators: payloadIndicators() };
      if (teamId() !== null) body.team = teamId();
      renderResults(await postJSON(data.preview_url, body));
    } catch (err) {
      showError(err.message);
      $("try-status").textContent = "Nothing found: see the message above.";
    } finally {
      button.disabled = false;
    }
  });
})();
