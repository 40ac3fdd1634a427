// Notes and drawings pinned to frames: the overlay over the video's picture, the drawing tools,
// the notes panel (threads, replies, resolve, filters) and the notes lane on the timeline.
// Shapes are in picture-relative coordinates (0..1); coach/notes/shapes.py draws the same geometry.
(function () {
  "use strict";
  const panel = document.getElementById("notes");
  const review = window.FilmRoomReview;
  if (!panel || !review) return;
  const video = review.video;
  const stage = review.stage;
  const listUrl = panel.dataset.listUrl;
  const noteBase = panel.dataset.noteBase.replace(/0$/, "");
  const csrf = panel.querySelector("input[name=csrfmiddlewaretoken]").value;
  const $ = function (id) { return document.getElementById(id); };
  const form = $("note-form"), list = $("note-list"), errorBox = $("note-error");
  const textBox = $("note-text"), tagsBox = $("note-tags"), endBox = $("note-frame-end");

  let notes = [];                        // threads as the server sent them (filtered)
  let draft = { frame: 0, shapes: [] };  // the note being written (or edited)
  let editing = null;                    // the thread being edited, or null
  let tool = null;                       // the drawing tool picked, or null
  let live = null;                       // the shape under the pointer now
  let remote = {};                       // others' shapes (live co-review), by who draws them

  // ---- the overlay: a canvas over exactly the video's picture (letterboxing aware) ----
  const canvas = document.createElement("canvas");
  canvas.id = "notes-overlay";
  canvas.className = "notes-overlay";
  stage.appendChild(canvas);
  const ctx = canvas.getContext("2d");
  let box = { left: 0, top: 0, width: 0, height: 0 };

  function layout() {
    const W = video.clientWidth, H = video.clientHeight;
    const vw = video.videoWidth || W, vh = video.videoHeight || H;
    if (!W || !H || !vw || !vh) return;
    const scale = Math.min(W / vw, H / vh);  // object-fit: contain
    box = { width: vw * scale, height: vh * scale };
    box.left = video.offsetLeft + (W - box.width) / 2;
    box.top = video.offsetTop + (H - box.height) / 2;
    const dpr = window.devicePixelRatio || 1;
    canvas.style.left = box.left + "px";
    canvas.style.top = box.top + "px";
    canvas.style.width = box.width + "px";
    canvas.style.height = box.height + "px";
    canvas.width = Math.round(box.width * dpr);
    canvas.height = Math.round(box.height * dpr);
    redraw();
  }

  function arrowHead(x0, y0, x1, y1, stroke) {
    const angle = Math.atan2(y1 - y0, x1 - x0), len = Math.max(8, 4 * stroke), spread = 28 * Math.PI / 180;
    return [[x1, y1],
            [x1 - len * Math.cos(angle - spread), y1 - len * Math.sin(angle - spread)],
            [x1 - len * Math.cos(angle + spread), y1 - len * Math.sin(angle + spread)]];
  }

  // One shape on a w×h picture (the same geometry as render_shapes on the server).
  function drawShape(shape, w, h) {
    const pts = shape.points.map(function (p) { return [p[0] * w, p[1] * h]; });
    const stroke = Math.max(1, Math.round((shape.width || 0.006) * h));
    ctx.strokeStyle = ctx.fillStyle = shape.color || "#ff3b30";
    ctx.lineWidth = stroke;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    if (shape.type === "line" || shape.type === "arrow" || shape.type === "freehand") {
      pts.forEach(function (p, i) { if (i) ctx.lineTo(p[0], p[1]); else ctx.moveTo(p[0], p[1]); });
      ctx.stroke();
      if (shape.type === "arrow" && pts.length === 2) {
        const head = arrowHead(pts[0][0], pts[0][1], pts[1][0], pts[1][1], stroke);
        ctx.beginPath();
        head.forEach(function (p, i) { if (i) ctx.lineTo(p[0], p[1]); else ctx.moveTo(p[0], p[1]); });
        ctx.closePath();
        ctx.fill();
      }
    } else if (shape.type === "rect" || shape.type === "ellipse") {
      const x = Math.min(pts[0][0], pts[1][0]), y = Math.min(pts[0][1], pts[1][1]);
      const bw = Math.abs(pts[1][0] - pts[0][0]), bh = Math.abs(pts[1][1] - pts[0][1]);
      if (shape.type === "rect") ctx.rect(x, y, bw, bh);
      else ctx.ellipse(x + bw / 2, y + bh / 2, bw / 2, bh / 2, 0, 0, 2 * Math.PI);
      ctx.stroke();
    } else if (shape.type === "text") {
      ctx.font = Math.max(6, Math.round((shape.size || 0.05) * h)) + "px sans-serif";
      ctx.textBaseline = "top";
      ctx.fillText(shape.text, pts[0][0], pts[0][1]);
    }
  }

  // The end frame as typed: the number box's value ("1e3" is 1000; parseInt read it as 1).
  function typedEnd() {
    const text = endBox.value.trim();
    return text === "" ? NaN : Number(text);
  }

  function draftEnd() {
    const end = typedEnd();
    return Number.isFinite(end) && end >= draft.frame ? end : draft.frame;
  }

  // The shapes to show on a frame: every note's (only on its frames), the draft, live and remote.
  function shapesAt(frame) {
    const shown = [];
    notes.forEach(function (n) {
      if (editing && n.id === editing.id) return;
      if (n.frame <= frame && frame <= n.frame_end) shown.push.apply(shown, n.shapes);
    });
    if (draft.frame <= frame && frame <= draftEnd()) shown.push.apply(shown, draft.shapes);
    if (live) shown.push(live);
    Object.keys(remote).forEach(function (who) {
      shown.push.apply(shown, remote[who].done);
      if (remote[who].live) shown.push(remote[who].live);
    });
    return shown;
  }

  function redraw() {
    const frame = review.currentFrame();
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const shapes = shapesAt(frame);
    shapes.forEach(function (s) { drawShape(s, box.width, box.height); });
    canvas.dataset.frame = frame;       // the overlay's state, for people and tests alike
    canvas.dataset.shapes = shapes.length;
  }

  // ---- drawing with the pointer ----
  function emit(name, detail) { document.dispatchEvent(new CustomEvent(name, { detail: detail })); }

  function at(e) {
    const r = canvas.getBoundingClientRect();
    const clamp = function (v) { return Math.round(Math.max(0, Math.min(1, v)) * 1e5) / 1e5; };
    return [clamp((e.clientX - r.left) / r.width), clamp((e.clientY - r.top) / r.height)];
  }

  function pickTool(name) {
    tool = tool === name ? null : name;
    panel.querySelectorAll("[data-tool]").forEach(function (b) { b.classList.toggle("active", b.dataset.tool === tool); });
    canvas.classList.toggle("drawing", !!tool);
    if (!tool) return;
    video.pause();
    const r = stage.getBoundingClientRect();  // draw where the picture is: bring it into view
    if (r.top < 0 || r.bottom > window.innerHeight) stage.scrollIntoView({ block: "center" });
  }

  function style() {
    return { color: $("note-color").value, width: Number($("note-width").value) };
  }

  let pending = false;
  function emitLive() {  // at most once per animation frame
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      if (live) emit("filmroom:drawing", { shape: live, done: false });
    });
  }

  canvas.addEventListener("pointerdown", function (e) {
    if (!tool) return;
    e.preventDefault();
    const frame = review.currentFrame();
    if (!editing && draft.frame !== frame) moveDraft(frame);
    const p = at(e);
    if (tool === "text") {
      const label = $("note-label").value.trim();
      if (!label) { showError("Type the label's text first, then click where it goes."); $("note-label").focus(); return; }
      finish(Object.assign({ type: "text", points: [p], text: label, size: 0.05 }, style()));
      return;
    }
    canvas.setPointerCapture(e.pointerId);
    live = Object.assign({ type: tool, points: [p, p] }, style());
    redraw();  // others see it once it moves: a bare click draws nothing
  });

  canvas.addEventListener("pointermove", function (e) {
    if (!live) return;
    const p = at(e);
    if (live.type === "freehand") {
      const last = live.points[live.points.length - 1];
      if (Math.hypot(p[0] - last[0], p[1] - last[1]) < 0.003 || live.points.length >= 2000) return;
      if (live.points.length === 2 && live.points[0] === live.points[1]) live.points.pop();
      live.points.push(p);
    } else {
      live.points[1] = p;
    }
    redraw();
    emitLive();
  });

  function endStroke() {
    if (!live) return;
    const shape = live;
    live = null;
    const a = shape.points[0], b = shape.points[shape.points.length - 1];
    if (Math.hypot(a[0] - b[0], a[1] - b[1]) < 0.005 && shape.points.length <= 2) {  // a click, not a drawing
      redraw();
      return;
    }
    finish(shape);
  }
  canvas.addEventListener("pointerup", endStroke);
  canvas.addEventListener("pointercancel", endStroke);

  function finish(shape) {
    draft.shapes.push(shape);
    emit("filmroom:drawing", { shape: shape, done: true });
    showError("");
    updateForm();
    redraw();
  }

  function moveDraft(frame) {
    draft.frame = frame;
    if (endBox.value && typedEnd() < frame) endBox.value = "";
    updateForm();
  }

  function updateForm() {
    $("note-frame").textContent = draft.frame;
    const n = draft.shapes.length;
    $("note-drawn").textContent = n ? n + (n === 1 ? " drawing" : " drawings") : "no drawings";
    $("note-save").textContent = editing ? "Save note" : "Add note";
    $("note-cancel").hidden = !editing;
    $("note-move-here").hidden = !editing;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  panel.querySelectorAll("[data-tool]").forEach(function (b) {
    b.addEventListener("click", function () { pickTool(b.dataset.tool); });
  });
  // Others in a live session see the draft as it is now: cleared, then what is left, redrawn.
  function resendDraft() {
    emit("filmroom:drawing", { shape: null, done: true });
    draft.shapes.forEach(function (s) { emit("filmroom:drawing", { shape: s, done: true }); });
  }
  $("note-undo").addEventListener("click", function () { draft.shapes.pop(); resendDraft(); updateForm(); redraw(); });
  $("note-clear").addEventListener("click", function () { draft.shapes = []; resendDraft(); updateForm(); redraw(); });
  $("note-end-here").addEventListener("click", function () {
    const frame = review.currentFrame();
    if (frame < draft.frame) { showError("The end must not be before frame " + draft.frame + "."); return; }
    endBox.value = frame;
    redraw();
  });
  endBox.addEventListener("input", redraw);
  // While editing, the note stays where it was pinned as the video moves; this moves it (and
  // its range, by as much) to the frame on screen. Saved with the note.
  $("note-move-here").addEventListener("click", function () {
    const frame = review.currentFrame();
    const end = typedEnd();
    if (Number.isFinite(end) && end >= draft.frame) endBox.value = end + frame - draft.frame;
    draft.frame = frame;
    showError("");
    updateForm();
    redraw();
  });

  // ---- talking to the server ----
  function send(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          const err = new Error(data.error || ("the server answered " + r.status));
          err.status = r.status;
          throw err;
        }
        return data;
      });
    });
  }

  function changed() { emit("filmroom:notes-changed", {}); }

  function resetDraft() {
    editing = null;
    draft = { frame: review.currentFrame(), shapes: [] };
    textBox.value = tagsBox.value = endBox.value = "";
    updateForm();
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    const end = typedEnd();
    if (Number.isFinite(end) && end < draft.frame) {  // said, not silently dropped
      showError("The note's end (frame " + end + ") is before its frame " + draft.frame + ": change it or clear it.");
      endBox.focus();
      return;
    }
    if (textBox.value.length > MAX_TEXT) { tooLong(); return; }
    const body = { frame: draft.frame, frame_end: draftEnd(), text: textBox.value, shapes: draft.shapes };
    if (tagsBox.value.trim()) body.tags = tagsBox.value.split(",");
    else if (editing) body.tags = [];
    // The version being edited: a note changed meanwhile (another tab, a teammate) is not
    // overwritten; the server answers 409 and the draft stays.
    if (editing) body.updated_at = editing.updated_at;
    const saving = editing ? send("PATCH", noteBase + editing.id, body) : send("POST", listUrl, body);
    $("note-save").disabled = true;
    saving.then(function () {
      showError("");
      resetDraft();
      pickTool(null);
      return reload();
    }).then(changed).catch(function (err) {
      // The draft stays as it is: nothing typed or drawn is lost.
      if (editing && err.status === 404) {
        editing = null;  // deleted meanwhile: what was written can still be added as a new note
        updateForm();
        reload();
        showError("This note was deleted meanwhile. \u201cAdd note\u201d saves what you wrote as a new note.");
      } else {
        showError(err.message);
      }
    }).finally(function () { $("note-save").disabled = false; });
  });

  // Notes hold at most MAX_TEXT characters: said as soon as a paste goes over, not cut silently.
  const MAX_TEXT = 5000;
  function tooLong() {
    showError("A note holds at most " + MAX_TEXT + " characters; this one has " + textBox.value.length + ". Shorten it to save.");
  }
  textBox.addEventListener("input", function () {
    if (textBox.value.length > MAX_TEXT) tooLong();
    else if (/^A note holds at most/.test(errorBox.textContent)) showError("");
  });

  // Leaving the page with a note half written asks first (as the upload page does).
  function unsaved() {
    const replying = Array.prototype.some.call(list.querySelectorAll(".note-reply-form input"),
      function (i) { return i.value.trim() !== ""; });
    if (editing) {
      return replying || textBox.value !== editing.text ||
        JSON.stringify(draft.shapes) !== JSON.stringify(editing.shapes);
    }
    return replying || textBox.value.trim() !== "" || draft.shapes.length > 0;
  }
  window.addEventListener("beforeunload", function (e) {
    if (!unsaved()) return;
    e.preventDefault();
    e.returnValue = "";
  });

  $("note-cancel").addEventListener("click", function () { resetDraft(); resendDraft(); redraw(); });

  function startEdit(thread) {
    editing = thread;
    draft = { frame: thread.frame, shapes: thread.shapes.map(function (s) { return JSON.parse(JSON.stringify(s)); }) };
    textBox.value = thread.text;
    endBox.value = thread.frame_end !== thread.frame ? thread.frame_end : "";
    const fromText = (thread.text.match(/#[\w-]+/g) || []).map(function (t) { return t.slice(1).toLowerCase(); });
    tagsBox.value = thread.tags.filter(function (t) { return fromText.indexOf(t) < 0; }).join(", ");
    updateForm();
    review.seekFrame(thread.frame);
    textBox.focus();
  }

  // ---- the list ----
  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; });
  }
  function richText(s) {
    return escapeHtml(s).replace(/(^|[^\w@])@([\w.+-]+)/g, '$1<span class="mention">@$2</span>')
                        .replace(/(^|[^\w&#])#([\w-]{1,40})/g, '$1<span class="tag">#$2</span>');
  }
  function frames(n) { return n.frame_end !== n.frame ? n.frame + "–" + n.frame_end : String(n.frame); }
  function el(tag, cls, html) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (html !== undefined) node.innerHTML = html;
    return node;
  }
  function button(label, action, cls) {
    const b = el("button", cls || "link", escapeHtml(label));
    b.type = "button";
    b.dataset.action = action;
    return b;
  }

  function meta(n) {
    return '<span class="note-author">' + escapeHtml(n.author || "deleted user") + "</span>" +
      (n.edited ? ' <span class="muted">(edited)</span>' : "");
  }

  function render() {
    list.innerHTML = "";
    $("note-empty").hidden = notes.length > 0;
    notes.forEach(function (n) {
      const li = el("li", "note" + (n.resolved ? " resolved" : ""));
      li.dataset.id = n.id;
      li.dataset.frame = n.frame;
      const head = el("div", "note-head",
        '<span class="note-frames">frame ' + frames(n) + "</span> · " + meta(n) +
        (n.shapes.length ? ' · <span class="muted">' + n.shapes.length + (n.shapes.length === 1 ? " drawing" : " drawings") + "</span>" : "") +
        (n.resolved ? ' <span class="badge">resolved' + (n.resolved_by ? " by " + escapeHtml(n.resolved_by) : "") + "</span>" : ""));
      li.appendChild(head);
      if (n.text) li.appendChild(el("p", "note-text", richText(n.text)));
      // Tags from the tags field (those written as #tag in the text show there already).
      const written = (n.text.match(/#[\w-]+/g) || []).map(function (t) { return t.slice(1).toLowerCase(); });
      const more = n.tags.filter(function (t) { return written.indexOf(t) < 0; });
      if (more.length) {
        li.appendChild(el("p", "note-tags small", more.map(function (t) {
          return '<span class="tag">#' + escapeHtml(t) + "</span>";
        }).join(" ")));
      }
      const acts = el("div", "note-actions");
      acts.appendChild(button("Reply", "reply"));
      acts.appendChild(button(n.resolved ? "Reopen" : "Resolve", "resolve"));
      if (n.can_edit) { acts.appendChild(button("Edit", "edit")); acts.appendChild(button("Delete", "delete")); }
      const png = el("a", "", "PNG"); png.href = n.export_png; png.target = "_blank";
      const mp4 = el("a", "", "MP4 clip"); mp4.href = n.export_mp4; mp4.target = "_blank";
      acts.appendChild(png); acts.appendChild(mp4);
      li.appendChild(acts);
      const replies = el("ol", "note-replies");
      n.replies.forEach(function (r) {
        const ri = el("li", "note-reply", meta(r) + ' <span class="note-text">' + richText(r.text) + "</span>");
        ri.dataset.id = r.id;
        if (r.can_edit) ri.appendChild(button("Delete", "delete-reply"));
        replies.appendChild(ri);
      });
      li.appendChild(replies);
      const replyForm = el("form", "note-reply-form");
      replyForm.hidden = true;
      replyForm.innerHTML = '<input type="text" placeholder="Reply… @teammate" aria-label="Reply to this note"><button type="submit" class="secondary">Send</button>' +
        '<p class="error reply-error" role="alert" hidden></p>';
      li.appendChild(replyForm);
      list.appendChild(li);
    });
    markCurrent(review.currentFrame());
  }

  function markCurrent(frame) {
    list.querySelectorAll("li.note").forEach(function (li) {
      const n = notes.find(function (x) { return x.id === Number(li.dataset.id); });
      li.classList.toggle("on-frame", !!n && n.frame <= frame && frame <= n.frame_end);
    });
  }

  function select(id) {
    list.querySelectorAll("li.note.current").forEach(function (li) { li.classList.remove("current"); });
    const li = list.querySelector('li.note[data-id="' + id + '"]');
    if (li) li.classList.add("current");
  }

  list.addEventListener("click", function (e) {
    const li = e.target.closest("li.note");
    if (!li) return;
    const n = notes.find(function (x) { return x.id === Number(li.dataset.id); });
    const action = e.target.closest("button") && e.target.closest("button").dataset.action;
    if (e.target.closest("a, input, form")) return;
    if (!action) { review.seekFrame(n.frame); select(n.id); return; }
    const fail = function (err) { showError(err.message); };
    showError("");  // an earlier message is about an earlier action
    if (action === "reply") {
      const f = li.querySelector(".note-reply-form");
      f.hidden = !f.hidden;
      if (!f.hidden) f.querySelector("input").focus();
    } else if (action === "resolve") {
      send("POST", noteBase + n.id + "/resolve", { resolved: !n.resolved }).then(reload).then(changed).catch(fail);
    } else if (action === "edit") {
      startEdit(n);
    } else if (action === "delete" || action === "delete-reply") {
      const id = action === "delete" ? n.id : Number(e.target.closest("li.note-reply").dataset.id);
      if (!window.confirm(action === "delete" ? "Delete this note and its replies?" : "Delete this reply?")) return;
      send("DELETE", noteBase + id).then(function () {
        if (editing && editing.id === id) resetDraft();
        return reload();
      }).then(changed).catch(fail);
    }
  });

  list.addEventListener("submit", function (e) {
    e.preventDefault();
    const li = e.target.closest("li.note");
    const input = e.target.querySelector("input");
    const said = e.target.querySelector(".reply-error");  // next to the reply, not the new-note form
    const say = function (message) { said.textContent = message; said.hidden = !message; };
    if (!input.value.trim()) { say("Write a reply first."); input.focus(); return; }
    send("POST", noteBase + li.dataset.id + "/replies", { text: input.value }).then(function () {
      input.value = "";
      say("");
      showError("");
      return reload();
    }).then(changed).catch(function (err) { say(err.message); });
  });

  // ---- filters ----
  function fillSelect(select, values, label) {
    const keep = select.value;
    select.innerHTML = '<option value="">' + label + "</option>" + values.map(function (v) {
      return '<option value="' + escapeHtml(v) + '">' + escapeHtml(v) + "</option>";
    }).join("");
    select.value = values.indexOf(keep) >= 0 ? keep : "";
  }
  ["note-filter-author", "note-filter-tag", "note-filter-open"].forEach(function (id) {
    $(id).addEventListener("change", function () { reload(); });
  });

  let loading = null;
  function reload() {
    const query = new URLSearchParams();
    if ($("note-filter-author").value) query.set("author", $("note-filter-author").value);
    if ($("note-filter-tag").value) query.set("tag", $("note-filter-tag").value);
    if ($("note-filter-open").checked) query.set("unresolved", "1");
    const url = listUrl + (query.toString() ? "?" + query : "");
    loading = send("GET", url).then(function (data) {
      notes = data.notes;
      // A thread is shown for its note's author and for everyone who replied in it.
      fillSelect($("note-filter-author"), data.authors, "written or replied to by anyone");
      fillSelect($("note-filter-tag"), data.tags.map(function (t) { return "#" + t; }), "all tags");
      panel.dataset.loaded = String(Number(panel.dataset.loaded || 0) + 1);
      render();
      redraw();
      lane();
      return notes;
    }).catch(function (err) { showError("Notes could not be loaded: " + err.message); });
    return loading;
  }

  // ---- the notes lane on the timeline (a Plotly trace beside kills and deaths) ----
  let laneTries = 0, laneClicks = false, ownLane = null;
  // The review page's timeline, or (a replay with no detection has none) a notes-only lane.
  function lanePlot() {
    if (review.plot) return review.plot;
    if (!window.Plotly || !review.frameCount()) return null;
    if (!ownLane) {
      ownLane = el("div", "notes-lane");
      ownLane.id = "notes-lane";
      panel.insertBefore(ownLane, panel.querySelector(".notes-grid"));
      const last = review.frameCount() - 1;
      const end = review.timeOfFrame(last) + (last ? review.timeOfFrame(last) / last : 1);
      const axis = { gridcolor: "#2a313b", zeroline: false, color: "#8d96a3" };
      Plotly.newPlot(ownLane, [], {
        height: 80, margin: { l: 60, r: 20, t: 5, b: 30 }, showlegend: false, hovermode: "closest",
        paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", font: { color: "#e6e9ee" },
        xaxis: Object.assign({ range: [0, end] }, axis),
        yaxis: Object.assign({ type: "category", categoryarray: ["Notes"], fixedrange: true }, axis),
      }, { displayModeBar: false, responsive: true });
    }
    return ownLane;
  }

  function lane() {
    const plot = lanePlot();
    if (!plot) return;
    if (!plot.data || !plot._fullLayout) {  // Plotly has not drawn the timeline yet
      if (laneTries++ < 100) setTimeout(lane, 100);
      return;
    }
    const starts = notes.map(function (n) { return review.timeOfFrame(n.frame); });
    const trace = {
      type: "scatter", mode: "markers", name: "Notes", meta: "notes",
      x: starts, y: notes.map(function () { return "Notes"; }),
      customdata: notes.map(function (n) { return [n.frame, n.id]; }),
      text: notes.map(function (n) { return escapeHtml((n.author || "") + ": " + (n.text || "(drawing)").slice(0, 60)); }),
      marker: { symbol: "diamond", size: 11, color: notes.map(function (n) { return n.resolved ? "#8d96a3" : "#f5b942"; }) },
      error_x: { type: "data", symmetric: false, width: 0, thickness: 4, color: "#f5b942",
                 array: notes.map(function (n, i) { return review.timeOfFrame(n.frame_end) - starts[i]; }),
                 arrayminus: notes.map(function () { return 0; }) },
      hovertemplate: "Note at frame %{customdata[0]}<br>%{text}<extra></extra>",
    };
    const at = plot.data.findIndex(function (t) { return t.meta === "notes"; });
    const ready = at >= 0 ? Plotly.deleteTraces(plot, at) : Promise.resolve();
    ready.then(function () { return Plotly.addTraces(plot, trace); }).then(function () {
      const lanes = ((plot.layout.yaxis || {}).categoryarray || []).filter(function (c) { return c !== "Notes"; });
      return Plotly.relayout(plot, { "yaxis.categoryarray": ["Notes"].concat(lanes), "yaxis.categoryorder": "array" });
    }).then(function () {
      plot.dataset.notesLane = String(notes.length);
      if (!laneClicks) {
        laneClicks = true;  // review.js seeks to customdata[0]; this also picks the note in the list
        plot.on("plotly_click", function (ev) {
          const p = ev.points[0];
          if (p && p.data.meta === "notes") { review.seekFrame(p.customdata[0]); select(p.customdata[1]); }
        });
      }
    });
  }

  // ---- the page's events ----
  document.addEventListener("filmroom:frame", function (e) {
    if (!editing && !draft.shapes.length) moveDraft(e.detail.frame);
    redraw();
    markCurrent(e.detail.frame);
  });
  // {shape} draws someone's shape in progress, {shape, done: true} keeps it until the note is
  // saved, {shape: null} clears what they drew ("from", when given, keeps people apart).
  document.addEventListener("filmroom:remote-drawing", function (e) {
    const d = e.detail || {};
    const who = String(d.from || "");
    if (!d.shape) delete remote[who];
    else {
      const mine = remote[who] || (remote[who] = { done: [], live: null });
      if (d.done) { mine.done.push(d.shape); mine.live = null; } else mine.live = d.shape;
    }
    redraw();
  });
  document.addEventListener("filmroom:notes-reload", function () { reload(); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && tool) { live = null; pickTool(null); redraw(); }
  });
  video.addEventListener("loadedmetadata", layout);
  window.addEventListener("resize", layout);
  if (window.ResizeObserver) new ResizeObserver(layout).observe(video);

  function start() {
    layout();
    reload().then(function () {
      const wanted = Number(new URLSearchParams(location.search).get("note"));
      const n = notes.find(function (x) { return x.id === wanted; });
      if (n) { review.seekFrame(n.frame); select(n.id); }
      else if (wanted) showError("The note this link points to is gone: it was deleted (or moved to another replay).");
    });
  }
  if (document.getElementById("review").dataset.ready === "1") start();
  else document.addEventListener("filmroom:ready", start, { once: true });

  window.FilmRoomNotes = {
    // Adds a note (e.g. from live co-review at the frame on screen); resolves with the saved note.
    addNote: function (note) {
      return send("POST", listUrl, {
        frame: note.frame, frame_end: note.frame_end, text: note.text || "", shapes: note.shapes || [],
      }).then(function (saved) { return reload().then(function () { changed(); return saved; }); });
    },
    reload: reload,
    notes: function () { return notes; },
  };
})();
