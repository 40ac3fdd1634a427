// Share links: /replays/<id>/?frame=N opens the review page at frame N (the page itself is
// team-only). Also keeps the "link to this frame" box up to date and copies it.
//
// The box links to the frame the readout shows (#frame-no): the target while a seek is on its
// way, the picture's own frame once it has settled. Following the readout rather than the
// "filmroom:frame" events keeps a late picture of the first frame, composited while the page's
// seek to the shared frame is still in flight, from rewriting the link to frame 0.
(function () {
  "use strict";
  const params = new URLSearchParams(location.search);
  const wanted = params.has("frame") ? Number(params.get("frame")) : null;
  const box = document.getElementById("share-link");
  const readout = document.getElementById("frame-no");

  function linkFor(frame) {
    const url = new URL(location.href);
    url.search = "";
    url.hash = "";
    url.searchParams.set("frame", String(frame));
    return url.toString();
  }
  let ready = false;
  function write() {
    const n = Number(readout.textContent);
    if (ready && box && Number.isInteger(n) && n >= 0) box.value = linkFor(n);
  }

  document.addEventListener("filmroom:ready", function (e) {
    const api = window.FilmRoomReview;
    if (!api || !readout) return;
    if (wanted !== null && Number.isInteger(wanted) && wanted >= 0) {
      const last = (e.detail && e.detail.frames ? e.detail.frames : api.frameCount()) - 1;
      api.seekFrame(Math.min(wanted, last));  // the readout shows the frame asked for at once
    }
    ready = true;
    write();
    new MutationObserver(write).observe(readout, { childList: true, characterData: true, subtree: true });
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
