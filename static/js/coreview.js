// Live co-review over ws/coreview/<replay_id>/ (message formats in the README).
// The coach starts a session and leads; teammates who join follow the leader's playhead (play,
// pause, every step and seek) and see drawings as they are made. Playback is published from the
// review page's own events (window.FilmRoomReview, filmroom:frame/play/pause); drawings and
// note changes go between this page and notes.js as filmroom:* events on document.
(function () {
  "use strict";
  const panel = document.getElementById("coreview");
  const review = window.FilmRoomReview;
  if (!panel || !review) return;
  const video = review.video;
  const el = function (id) { return document.getElementById("coreview-" + id); };
  const status = el("status"), people = el("people"), errorEl = el("error");
  const buttons = { start: el("start"), join: el("join"), follow: el("follow"), leave: el("leave"), end: el("end") };
  const noteForm = el("note"), noteFrame = el("note-frame");

  let ws = null;
  let me = null;          // {id, name, can_lead}
  let session = null;     // {id, leader: {id, name}, started_at, participants: [{id, name, leader}]}
  let joined = false;     // this page is in the session (as leader or follower)
  let following = true;   // a follower applies the leader's playback
  let ready = review.frameCount() > 0;
  let pending = null;     // the leader's last playback message, kept until the frame index loads

  const leading = function () { return joined && session && me && session.leader.id === me.id; };

  function send(message) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  function render() {
    const lead = leading();
    panel.dataset.state = !session ? "idle" : lead ? "leading" : joined ? (following ? "following" : "free") : "open";
    if (!me) status.textContent = "Connecting…";
    else if (!session) status.textContent = me.can_lead ? "No live session. Start one to steer your team's players." : "No live session right now.";
    else if (lead) status.textContent = "You lead this session: everyone who joined follows your playhead.";
    else if (joined) status.textContent = (following ? "Following " : "In the session, not following ") + session.leader.name;
    else status.textContent = session.leader.name + " is reviewing live.";
    buttons.start.hidden = !(me && me.can_lead && !lead);
    buttons.start.textContent = session && !lead ? "Take over the session" : "Start live session";
    buttons.join.hidden = !(session && !joined);
    buttons.follow.hidden = !(joined && !lead);
    buttons.follow.textContent = following ? "Stop following" : "Follow " + (session ? session.leader.name : "");
    buttons.follow.setAttribute("aria-pressed", following ? "true" : "false");
    buttons.leave.hidden = !(joined && !lead);
    buttons.end.hidden = !lead;
    noteForm.hidden = !(joined && window.FilmRoomNotes);
    people.replaceChildren();
    (session ? session.participants : []).forEach(function (p) {
      const li = document.createElement("li");
      li.textContent = p.name + (p.leader ? " (leads)" : "") + (me && p.id === me.id ? " · you" : "");
      if (p.leader) li.className = "leader";
      people.appendChild(li);
    });
  }

  function showError(message) {
    errorEl.textContent = message;
    errorEl.hidden = !message;
  }

  // Leader → others: the playhead. While playing, followers run their own clocks; every pause,
  // step and seek sends the exact frame.
  function publishPosition() {
    if (!leading()) return;
    const frame = review.currentFrame();
    if (video.paused) send({ type: "frame", frame: frame });
    else send({ type: "play", frame: frame, time: video.currentTime });
  }
  document.addEventListener("filmroom:frame", function (e) {
    if (noteFrame) noteFrame.textContent = e.detail.frame;
    if (leading() && video.paused) send({ type: "frame", frame: e.detail.frame });
  });
  document.addEventListener("filmroom:play", function (e) {
    if (leading()) send({ type: "play", frame: e.detail.frame, time: video.currentTime });
  });
  document.addEventListener("filmroom:pause", function (e) {
    if (leading()) send({ type: "pause", frame: e.detail.frame, time: video.currentTime });
  });
  // Anyone in the session → others: drawings as they are made, and "the notes changed".
  document.addEventListener("filmroom:drawing", function (e) {
    if (joined) send({ type: "drawing", shape: e.detail.shape || null, done: !!e.detail.done });
  });
  document.addEventListener("filmroom:notes-changed", function () {
    if (joined) send({ type: "notes-changed" });
  });
  document.addEventListener("filmroom:ready", function () {
    ready = true;
    if (pending) { const m = pending; pending = null; follow(m); }
  });

  // Follower: land on the leader's frame, or play from the leader's media time.
  function follow(m) {
    if (!ready) { pending = m; return; }
    if (m.type === "play") {
      if (Math.abs(video.currentTime - m.time) > 0.05) video.currentTime = m.time;
      video.play().catch(function () {
        video.muted = true;  // autoplay with sound was refused: follow silently rather than not at all
        return video.play();
      }).catch(function () { showError("The browser refused to play: press play to catch up."); });
    } else {
      // A pause takes hold a frame or so late: a follower that was playing seeks even when the
      // frame on screen is the leader's right now, so it does not come to rest on the next one.
      const wasPlaying = !video.paused;
      if (wasPlaying || review.currentFrame() !== m.frame || video.seeking) review.seekFrame(m.frame);
    }
  }

  function includesMe(s) {
    return !!(s && me && s.participants.some(function (p) { return p.id === me.id; }));
  }

  // Membership as the server confirms it: "want" is set by Start/Join, "joined" once a session
  // message lists this person in the session this page asked for.
  let want = false;
  let joinedId = null;
  let showVideo = false;  // set by Join and Start: bring the video on screen once in
  function updateSession(s) {
    const was = joined;
    session = s;
    if (!s || (joinedId !== null && s.id !== joinedId)) { want = false; joinedId = null; }
    joined = want && includesMe(s);
    if (joined) joinedId = s.id;
    if (!joined) following = true;
    if (joined && !was && showVideo) bringVideoIntoView();
    if (joined || !want) showVideo = false;
  }

  // Where the panel is under the video (the review's one-column layout, site.css's 1100 px), a
  // phone that tapped Join was left looking at the buttons while the leader moved a picture
  // scrolled off the screen: the video comes into view. Beside it, the page stays put.
  const stacked = window.matchMedia("(max-width: 1100px)");
  function bringVideoIntoView() {
    const r = video.getBoundingClientRect();
    if (!stacked.matches || (r.top >= 0 && r.bottom <= window.innerHeight)) return;
    const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    video.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
  }

  function onMessage(m) {
    if (m.type === "hello") {
      me = m.you;
      joinedId = null;
      updateSession(m.session);
      if (want && session) send({ type: "join" }); // back after a dropped connection
    } else if (m.type === "session") {
      updateSession(m.session);
    } else if (m.type === "error") {
      showError(m.message);
      if (!includesMe(session)) { want = false; joined = false; }
    } else if (m.type === "frame" || m.type === "play" || m.type === "pause") {
      if (joined && following && !leading()) follow(m);
      return;
    } else if (m.type === "sync") {
      publishPosition();
      return;
    } else if (m.type === "drawing") {
      document.dispatchEvent(new CustomEvent("filmroom:remote-drawing", { detail: { shape: m.shape, done: m.done, from: m.from } }));
      return;
    } else if (m.type === "notes-changed") {
      // A saved note replaces the drawing that was in progress for it.
      document.dispatchEvent(new CustomEvent("filmroom:remote-drawing", { detail: { shape: null, done: true, from: m.from } }));
      document.dispatchEvent(new CustomEvent("filmroom:notes-reload", { detail: {} }));
      return;
    }
    render();
  }

  // Joining and starting are confirmed by the session message that follows.
  buttons.start.addEventListener("click", function () {
    showError("");
    want = true;
    showVideo = true;
    joinedId = null;
    send({ type: "start" });
  });
  buttons.join.addEventListener("click", function () {
    showError("");
    want = true;
    showVideo = true;
    following = true;
    send({ type: "join" });
    send({ type: "sync" }); // the leader answers with where it is
  });
  buttons.leave.addEventListener("click", function () {
    want = false;
    send({ type: "leave" });
  });
  buttons.end.addEventListener("click", function () { send({ type: "end" }); });
  // A follower who moves the playhead (a step, seek, jump or play key, a player button, the
  // timeline, an event's Show) takes it over: following stops, and the panel offers it again.
  const OWN_KEYS = new Set([",", ".", "ArrowLeft", "ArrowRight", " ", "k", "K", "j", "J", "l", "L"]);
  function goOwnWay(later) {
    if (!(joined && following && !leading())) return;
    following = false;  // at once: the leader's next message no longer moves this page
    if (!later) { render(); return; }
    // A tap: the panel is redrawn once the tap is over. Redrawn on pointerdown, its longer
    // status grew the panel on a phone and moved the tapped button (Show) from under the
    // finger, so the click missed it.
    let done = false;
    const redraw = function () { if (!done) { done = true; render(); } };
    document.addEventListener("click", function () { setTimeout(redraw, 0); }, { capture: true, once: true });
    setTimeout(redraw, 1000);  // no click came (a scroll, a cancelled tap)
  }
  document.addEventListener("keydown", function (e) {
    if (e.target.closest("input, select, textarea, [contenteditable]")) return;
    if (e.ctrlKey || e.metaKey || e.altKey || !OWN_KEYS.has(e.key)) return;
    goOwnWay();
  }, true);
  document.addEventListener("pointerdown", function (e) {
    const own = "[data-step], [data-step-s], [data-jump], #play-toggle, [data-seek], #timeline";
    if (e.target.closest && e.target.closest(own)) goOwnWay(true);
  }, true);
  buttons.follow.addEventListener("click", function () {
    following = !following;
    if (following) send({ type: "sync" });
    render();
  });
  // A note holds at most 5000 characters (as in the Notes panel): a longer paste is kept and
  // said, never cut at the box's edge without a word.
  const NOTE_MAX = 5000;
  let saidTooLong = false;  // typing clears only this message, not another (a lost connection)
  function tooLong() {
    const n = noteForm.elements.text.value.length;
    saidTooLong = n > NOTE_MAX;
    if (saidTooLong) showError("A note holds at most " + NOTE_MAX + " characters; this one has " + n + ". Shorten it to save.");
    return saidTooLong;
  }
  noteForm.elements.text.addEventListener("input", function () {
    const said = saidTooLong;
    if (!tooLong() && said) showError("");
  });
  noteForm.addEventListener("submit", function (e) {
    e.preventDefault();
    if (tooLong()) return;
    const text = noteForm.elements.text.value.trim();
    if (!text || !window.FilmRoomNotes) return;
    const frame = review.currentFrame();
    window.FilmRoomNotes.addNote({ frame: frame, frame_end: frame, text: text, shapes: [] }).then(function () {
      noteForm.reset();
      showError("");
    }, function (err) { showError("The note was not saved: " + (err && err.message ? err.message : err)); });
  });

  let retry = 0;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + "/ws/coreview/" + panel.dataset.replayId + "/");
    ws.onopen = function () { retry = 0; };
    ws.onmessage = function (e) { onMessage(JSON.parse(e.data)); };
    ws.onclose = function (e) {
      me = null;
      session = null;
      joined = false;
      render();
      if (e.code === 4404) { status.textContent = "Live review is not available on this replay."; return; }
      status.textContent = "Live review disconnected: reconnecting…";
      retry = Math.min(retry + 1, 10);
      setTimeout(connect, 1000 * retry);
    };
  }
  render();
  connect();
})();
