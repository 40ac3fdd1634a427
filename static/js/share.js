// Share links: /replays/<id>/?frame=N opens the review page at frame N (the page itself is
// team-only). Also keeps the "link to this frame" box up to date and copies it.
(function () {
  "use strict";
  const params = new URLSearchParams(location.search);
  const wanted = params.has("frame") ? Number(params.get("frame")) : null;
  const box = document.getElementById("share-link");
  // While the page's own seek to the shared frame is on its way, the picture's frames (still
  // the first one) do not rewrite the box; the user's first key or click, or 5 s, ends the wait.
  let pending = null;
  function stopWaiting() { pending = null; }
  ["keydown", "pointerdown"].forEach(function (name) {
    document.addEventListener(name, stopWaiting, true);
  });

  function linkFor(frame) {
    const url = new URL(location.href);
    url.search = "";
    url.hash = "";
    url.searchParams.set("frame", String(frame));
    return url.toString();
  }

  document.addEventListener("filmroom:ready", function (e) {
    const api = window.FilmRoomReview;
    let frame = api ? api.currentFrame() : 0;
    if (wanted !== null && Number.isInteger(wanted) && wanted >= 0 && api) {
      const last = (e.detail && e.detail.frames ? e.detail.frames : api.frameCount()) - 1;
      frame = Math.min(wanted, last);
      pending = frame;
      setTimeout(stopWaiting, 5000);
      api.seekFrame(frame);  // the picture gets there later; the link is the frame asked for now
    }
    if (box && api) box.value = linkFor(frame);
  });
  document.addEventListener("filmroom:frame", function (e) {
    if (pending !== null && e.detail.frame !== pending) return;
    pending = null;
    if (box) box.value = linkFor(e.detail.frame);
  });
  const copy = document.getElementById("share-copy");
  if (copy) {
    copy.addEventListener("click", function () {
      box.select();
      (navigator.clipboard ? navigator.clipboard.writeText(box.value) : Promise.reject())
        .then(() => { copy.textContent = "Copied"; })
        .catch(() => { document.execCommand("copy"); copy.textContent = "Copied"; });
    });
  }
})();
