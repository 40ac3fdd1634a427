// Event corrections on the review page: confirm, reject, move to the frame on screen, add a
// missed kill or death there. Each answer is the event's new JSON; the row is redrawn from it.
(function () {
  "use strict";
  const box = document.getElementById("events");
  if (!box || box.dataset.canCorrect !== "1") return;
  const rows = document.getElementById("event-rows");
  const message = document.getElementById("event-message");
  const REVIEWS = { "": "Not reviewed", confirmed: "Confirmed", rejected: "Rejected", moved: "Moved", added: "Added" };

  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function currentFrame() {
    return window.FilmRoomReview ? window.FilmRoomReview.currentFrame() : 0;
  }
  function say(text) {
    message.textContent = text || "";
    message.hidden = !text;
  }
  async function send(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify(body || {}),
      });
    } catch (err) {
      say("The site cannot be reached: nothing was changed. Try again.");
      return undefined;
    }
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      say(data.error || "The correction failed (" + response.status + "): nothing was changed.");
      return undefined;
    }
    say("");
    return data;
  }

  function draw(row, ev) {
    row.dataset.id = ev.id;
    row.dataset.frame = ev.frame;
    row.dataset.time = ev.time_s;
    row.dataset.kind = ev.kind;
    row.dataset.source = ev.source;
    row.dataset.review = ev.review;
    row.className = "event" + (ev.review ? " review-" + ev.review : "");
    row.querySelector(".event-time").textContent = ev.time_s.toFixed(2) + " s";
    row.querySelector(".event-frame").textContent = ev.frame;
    const review = row.querySelector(".event-review");
    review.textContent = REVIEWS[ev.review] || ev.review;
    if (["confirmed", "moved", "added"].includes(ev.review) && !ev.found) {
      const missed = document.createElement("span");
      missed.className = "muted small";
      missed.title = "The latest detection run did not find it";
      missed.textContent = " · missed";
      review.append(missed);
    }
    if (ev.source === "coach") row.querySelector("[data-correct=reject]").title = "Remove this added event";
    // Keep the table in frame order.
    const after = Array.from(rows.querySelectorAll("tr.event")).find(function (r) {
      return r !== row && Number(r.dataset.frame) > ev.frame;
    });
    rows.insertBefore(row, after || null);
  }

  function newRow(ev) {
    const template = rows.querySelector("tr.event");
    let row;
    if (template) {
      row = template.cloneNode(true);
      row.querySelector(".thumbcell").textContent = "";
      const clip = row.querySelector("[data-clip]");
      if (clip) clip.remove();
      row.classList.remove("current");
    } else {
      row = document.createElement("tr");
      row.innerHTML = '<td class="thumbcell"></td><td><span></span></td><td class="event-time"></td>' +
        '<td class="event-frame"></td><td class="event-conf"></td><td class="muted event-source"></td><td class="event-review"></td>' +
        '<td class="event-actions"><div class="event-buttons"><button type="button" class="secondary" data-seek>Show</button> ' +
        '<button type="button" class="secondary" data-correct="confirm" title="Right event, right frame">✓</button> ' +
        '<button type="button" class="secondary" data-correct="reject">✗</button> ' +
        '<button type="button" class="secondary" data-correct="move" title="Move it to the frame on screen">⇥ here</button></div></td>';
    }
    const cells = row.children;
    cells[1].firstElementChild.className = ev.kind;
    cells[1].firstElementChild.textContent = ev.kind === "kill" ? "Kill" : "Death";
    cells[4].textContent = ev.confidence.toFixed(2);
    cells[5].textContent = "Coach";
    // Its clip, cut when first opened (review.js plays it, as any row's).
    const clip = document.createElement("button");
    clip.type = "button";
    clip.className = "secondary";
    clip.dataset.clip = box.dataset.eventUrl + ev.id + "/clip.mp4";
    clip.textContent = "Clip";
    row.querySelector("[data-seek]").after(" ", clip);
    const empty = rows.querySelector("tr.no-events");
    if (empty) empty.remove();
    return row;
  }

  rows.addEventListener("click", async function (e) {
    const button = e.target.closest("button[data-correct]");
    if (!button) return;
    e.stopPropagation(); // a correction is not a click on the row (which seeks)
    const row = button.closest("tr.event");
    const action = button.dataset.correct;
    const body = action === "move" ? { frame: currentFrame() } : {};
    button.disabled = true;
    const data = await send(box.dataset.eventUrl + row.dataset.id + "/" + action, body);
    button.disabled = false;
    if (!data) return;
    if (data.event) draw(row, data.event);
    else row.remove(); // an added event, removed
    document.dispatchEvent(new CustomEvent("filmroom:events-changed", { detail: { event: data.event } }));
  }, true);

  box.querySelectorAll("button[data-add]").forEach(function (button) {
    button.addEventListener("click", async function () {
      button.disabled = true;
      const data = await send(box.dataset.addUrl, { kind: button.dataset.add, frame: currentFrame() });
      button.disabled = false;
      if (!data) return;
      draw(newRow(data.event), data.event);
      document.dispatchEvent(new CustomEvent("filmroom:events-changed", { detail: { event: data.event } }));
    });
  });
})();
