// The tournament page: draws the bracket with brackets-viewer (npm) and keeps it live over
// ws/tournaments/<id>/ ("bracket" after every result, "match_started" when a game begins).
(function () {
  "use strict";
  let data = JSON.parse(document.getElementById("tournament-data").textContent);
  const matchPage = Boolean(data.match_page);
  const bracketEl = document.getElementById("bracket");
  const liveFrame = document.getElementById("live-match");
  const liveLabel = document.getElementById("live-label");
  const standingsBody = document.querySelector("#standings tbody");
  window.FilmRoomTournament = { data: () => data, updates: 0 };

  function names(id) {
    const e = data.entrants[id];
    return e ? e.name : "?";
  }

  function drawBracket() {
    if (!data.viewer || !window.bracketsViewer) return;
    document.getElementById("bracket-waiting").hidden = true;
    window.bracketsViewer.render(data.viewer, {
      selector: "#bracket",
      clear: true,
      highlightParticipantOnHover: true,
      showRankingTable: false,
      // A played match opens its (last) game; the table below lists every game.
      onMatchClick: (m) => {
        const watch = (data.matches[m.key] || {}).watch || [];
        if (matchPage && watch.length) location.assign(`/matches/${watch[watch.length - 1]}/`);
      },
    }).then(markPlayed);
  }
  function markPlayed() {
    for (const el of bracketEl.querySelectorAll(".match[data-match-id]")) {
      const m = data.viewer.matches.find((v) => String(v.id) === el.dataset.matchId);
      const watch = m ? (data.matches[m.key] || {}).watch || [] : [];
      el.classList.toggle("has-game", matchPage && watch.length > 0);
      if (matchPage && watch.length) el.title = "Open this match's game";
    }
  }

  function wonLost(m) { // the winner's games first: "won 2–1"
    return (m.winner === m.p1 ? m.score : [...m.score].reverse()).join("–");
  }

  // Every game played so far, in bracket order, each a link to its page (replays bit for bit).
  const gamesCard = document.getElementById("games-card");
  function drawGames() {
    const body = gamesCard.querySelector("tbody");
    body.replaceChildren();
    const order = ((data.bracket && data.bracket.slots) || []).map((s) => s.key);
    for (const key of order) {
      const m = data.matches[key];
      if (!m || !((m.watch || []).length || m.walkover)) continue;
      const tr = document.createElement("tr");
      const cells = [key, `${names(m.p1)} vs ${names(m.p2)}`,
        m.state === "playing" ? "playing" : m.state === "cancelled" ? "not counted: cancelled" : m.walkover ? `${names(m.winner)} won by walk-over`
          : m.winner ? `${names(m.winner)} won ${wonLost(m)}` : m.state];
      for (const text of cells) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      const links = document.createElement("td");
      m.watch.forEach((id, i) => {
        const a = document.createElement("a");
        a.href = `/matches/${id}/`;
        a.textContent = m.watch.length > 1 ? `Game ${i + 1}` : "Watch";
        if (i) links.append(" · ");
        links.append(a);
      });
      tr.append(links);
      body.append(tr);
    }
    gamesCard.hidden = !matchPage || body.children.length === 0;
  }

  function drawStandings() {
    standingsBody.replaceChildren();
    for (const row of (data.bracket && data.bracket.standings) || []) {
      const tr = document.createElement("tr");
      const e = data.entrants[row.entrant] || {};
      for (const text of [row.place, e.name, e.character, `${row.wins}–${row.losses}`]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      if (row.entrant === data.tournament.champion) tr.className = "champion-row";
      standingsBody.append(tr);
    }
    const champ = document.getElementById("champion");
    champ.textContent = "";
    if (data.tournament.champion) {
      champ.append("Champion: ");
      const b = document.createElement("b");
      b.textContent = names(data.tournament.champion);
      champ.append(b);
    }
    const state = document.getElementById("t-state");
    const t = data.tournament.state;
    state.textContent = { draft: "Taking entrants", running: "Running", finished: "Finished", cancelled: "Cancelled" }[t];
    state.className = "state state-" + ({ finished: "done", cancelled: "failed", draft: "queued" }[t] || "running");
  }

  // Live matches: the one being watched stays on screen until it ends, even when another starts
  // (a final and a third-place match start together); the others are offered as buttons.
  const liveOthers = document.getElementById("live-others");
  let watching = null;  // the bracket key of the match on screen
  function playing() {
    if (!running()) return [];  // a game still ending after a cancel is not the tournament's
    return Object.entries(data.matches).filter(([, m]) => m.state === "playing" && m.match);
  }
  function matchLabel(key, m) { return `${key} ${names(m.p1)} vs ${names(m.p2)}`; }
  function showLive() {
    const live = playing();
    if (!live.some(([key]) => key === watching)) watching = live.length ? live[live.length - 1][0] : null;
    liveOthers.textContent = "";
    const others = live.filter(([key]) => key !== watching);
    liveOthers.hidden = others.length === 0;
    if (others.length) liveOthers.append("Also live: ");
    for (const [key, m] of others) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "secondary small";
      b.dataset.key = key;
      b.textContent = `Watch ${matchLabel(key, m)}`;
      b.addEventListener("click", () => { watching = key; showLive(); });
      liveOthers.append(b, " ");
    }
    if (watching === null) {
      liveLabel.textContent = "No match is being played.";
      liveFrame.hidden = true;
      liveFrame.removeAttribute("data-key");
      return;
    }
    const m = data.matches[watching];
    liveLabel.textContent = matchLabel(watching, m);
    liveFrame.dataset.key = watching;
    if (!matchPage) return; // the site has no live match page to embed
    const src = `/matches/${m.match}/?embed=1`;  // the match alone, without the site's top bar
    if (liveFrame.getAttribute("src") !== src) liveFrame.setAttribute("src", src);
    liveFrame.hidden = false;
  }

  // The embedded match page is as tall as what it shows: a phone's is far shorter than the
  // desktop's, and a fixed height left a screen of empty frame under it.
  let frameObserver = null;
  function fitFrame() {
    let doc = null;
    try { doc = liveFrame.contentDocument; } catch (e) { return; }
    if (!doc || !doc.body) return;
    let bottom = 0;
    for (const el of doc.body.children) bottom = Math.max(bottom, el.getBoundingClientRect().bottom);
    if (bottom > 0) liveFrame.style.height = Math.ceil(bottom + liveFrame.contentWindow.scrollY + 16) + "px";
  }
  liveFrame.addEventListener("load", () => {
    if (frameObserver) frameObserver.disconnect();
    fitFrame();
    const doc = liveFrame.contentDocument;
    if (doc && doc.body && window.ResizeObserver) {
      frameObserver = new ResizeObserver(fitFrame);
      for (const el of doc.body.children) frameObserver.observe(el);
    }
  });

  // Games that stopped on an error: why, and (for the organiser) the two ways past them.
  const failedCard = document.getElementById("failed-card");
  const failedList = document.getElementById("failed-list");
  function settleForm(key, action, label) {
    const form = document.createElement("form");
    form.method = "post";
    form.className = "inline";
    form.action = failedList.dataset.settle.replace("KEY", encodeURIComponent(key));
    const token = failedList.querySelector("input[name=csrfmiddlewaretoken]").cloneNode();
    const act = document.createElement("input");
    act.type = "hidden";
    act.name = "action";
    act.value = action;
    const button = document.createElement("button");
    button.textContent = label;
    form.append(token, act, button);
    return form;
  }
  function drawFailed() {
    if (!failedCard) return;
    for (const li of failedList.querySelectorAll("li")) li.remove();
    // A cancelled tournament waits for nobody: its stopped games are not offered to settle.
    const failed = running() ? Object.entries(data.matches).filter(([, m]) => m.state === "failed") : [];
    failedCard.hidden = failed.length === 0;
    for (const [key, m] of failed) {
      const li = document.createElement("li");
      const what = document.createElement("b");
      what.textContent = `${key}: ${names(m.p1)} vs ${names(m.p2)}`;
      const why = document.createElement("span");
      why.className = "muted";
      // How far it got, as an agent's page says it ("failed after N ticks"); none before its first.
      const after = m.failure_ticks ? ` after ${m.failure_ticks} ticks` : "";
      why.textContent = ` — stopped${after}: ${m.failure || "an error"} `;
      li.append(what, why);
      if (failedList.dataset.organiser === "1") {
        li.append(settleForm(key, "replay", "Play it again"), " ",
          settleForm(key, "p1", `Award to ${names(m.p1)}`), " ",
          settleForm(key, "p2", `Award to ${names(m.p2)}`));
      }
      failedList.append(li);
    }
  }

  function running() { return data.tournament.state === "running"; }
  function ended() { return ["finished", "cancelled"].includes(data.tournament.state); }
  // Deleted by its organiser while this page was open.
  function gone() {
    const state = document.getElementById("t-state");
    state.textContent = "Deleted";
    state.className = "state state-failed";
    for (const id of ["signup", "start-form", "delete-link"]) document.getElementById(id)?.remove();
  }

  function drawAll() {
    drawBracket();
    drawGames();
    drawStandings();
    drawFailed();
    showLive();
    if (data.tournament.state !== "draft") {
      // A page open since before the start: sign-up is over.
      for (const id of ["signup", "start-form", "delete-link"]) document.getElementById(id)?.remove();
    }
    if (!running()) document.getElementById("cancel-link")?.remove();
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/tournaments/${data.tournament.id}/`);
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.type === "bracket") {
        data = msg;
        window.FilmRoomTournament.updates += 1;
        drawAll();
      } else if (msg.type === "deleted") {
        gone();
      } else if (msg.type === "match_started") {
        const m = data.matches[msg.key];
        if (m) Object.assign(m, { state: "playing", match: msg.match });
        showLive();
      }
    };
    ws.onclose = (event) => {
      if (event.code === 4404) gone();
      else if (!ended()) setTimeout(connect, 2000);
    };
  }

  drawAll();
  if (!ended()) connect();
})();
