// The playlist player: clips back to back with each one's note, previous/next, reviewed marks.
// Without this script the page still works: links move between clips, the form marks them.
(function () {
  "use strict";
  const box = document.getElementById("playlist-player");
  const items = JSON.parse(document.getElementById("pl-data").textContent);
  const video = document.getElementById("pl-video");
  const form = document.getElementById("pl-review-form");
  const button = document.getElementById("pl-review");
  const autoplay = document.getElementById("pl-autoplay");
  const $ = (id) => document.getElementById(id);
  let index = Number(box.dataset.at) || 0;
  let advancing = false;

  function source(item) {
    return item.end === null ? item.src : item.src + "#t=" + item.start.toFixed(3) + "," + item.end.toFixed(3);
  }

  function renderReview(item) {
    form.elements.reviewed.value = item.reviewed ? "0" : "1";
    button.textContent = item.reviewed ? "✓ Reviewed (undo)" : "Mark reviewed";
    button.classList.toggle("secondary", item.reviewed);
    document.querySelectorAll("#pl-items li").forEach((li) => {
      li.classList.toggle("reviewed", items[Number(li.dataset.index)].reviewed);
    });
    $("pl-reviewed-count").textContent = items.filter((i) => i.reviewed).length;
  }

  // Back to back: the next clip is cut while this one plays, if it is still the one shown.
  function warmNext(i) {
    const next = items[i + 1];
    if (next && next.end === null && index === i) window.FilmRoomClip.warm(next.src);
  }

  function show(i, play) {
    if (i < 0 || i >= items.length) return;
    index = i;
    const item = items[i];
    advancing = false;
    if (item.end === null) {  // a clip: cut on its first open, "cutting…" meanwhile
      window.FilmRoomClip.open(video, item.src, $("pl-clip-status"), play).then(() => warmNext(i));
    } else {
      $("pl-clip-status").hidden = true;
      video.src = source(item);
      if (play) video.play().catch(() => {});  // a browser may refuse before the first click
    }
    $("pl-index").textContent = i + 1;
    $("pl-kind").textContent = item.kind;
    $("pl-kind").className = item.kind;
    $("pl-replay").textContent = item.replay;
    $("pl-rejected").hidden = !item.rejected;
    $("pl-note").textContent = item.note;
    $("pl-note").hidden = !item.note;
    $("pl-share").href = item.share;
    $("pl-share").textContent = "Open in the replay at frame " + item.frame;
    form.elements.event.value = item.event;
    form.elements.at.value = i;
    $("pl-prev").setAttribute("aria-disabled", String(i === 0));
    $("pl-next").setAttribute("aria-disabled", String(i === items.length - 1));
    $("pl-prev").href = "?at=" + (i - 1);
    $("pl-next").href = "?at=" + (i + 1);
    document.querySelectorAll("#pl-items li").forEach((li) => {
      li.classList.toggle("current", Number(li.dataset.index) === i);
    });
    renderReview(item);
    box.dataset.at = i;
    history.replaceState(null, "", "?at=" + i);
    document.dispatchEvent(new CustomEvent("filmroom:playlist-clip", { detail: { index: i, event: item.event } }));
  }

  function clipOver() {
    if (advancing || !autoplay.checked || index >= items.length - 1) return;
    advancing = true;
    show(index + 1, true);
  }

  // The page's first clip may not be cut yet: say "cutting…" (or why not) while it loads.
  if (items[index].end === null) {
    const first = index;
    window.FilmRoomClip.open(video, items[first].src, $("pl-clip-status"), false).then(() => warmNext(first));
  }
  video.addEventListener("ended", clipOver);
  video.addEventListener("timeupdate", () => {
    const item = items[index];
    if (item.end !== null && video.currentTime >= item.end - 0.05) clipOver();
  });
  $("pl-prev").addEventListener("click", (e) => { e.preventDefault(); show(index - 1, true); });
  $("pl-next").addEventListener("click", (e) => { e.preventDefault(); show(index + 1, true); });
  $("pl-items").addEventListener("click", (e) => {
    const li = e.target.closest("li");
    if (!li) return;
    e.preventDefault();
    show(Number(li.dataset.index), true);
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const item = items[index];
    button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const data = await response.json();
      if (!response.ok) throw new Error(data.error || "not saved");
      item.reviewed = data.reviewed;
      renderReview(item);
    } catch (err) {
      button.textContent = "Not saved (" + err.message + "): try again";
    } finally {
      button.disabled = false;
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, textarea, select")) return;
    if (e.key === "n") show(index + 1, true);
    else if (e.key === "p") show(index - 1, true);
  });
  window.FilmRoomPlaylist = { show, index: () => index, items };
})();
