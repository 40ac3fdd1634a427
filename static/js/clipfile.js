// Opening a clip: its video is cut the first time anybody opens it (a few seconds), so the page
// asks for its first byte before playing it, says "Cutting the clip…" while it waits, and shows
// the server's reason when the cut failed (the next open tries again).
(function () {
  "use strict";
  const SLOW_MS = 300;  // a clip already cut answers at once: no flash of the message

  function say(status, text, failed) {
    if (!status) return;
    status.textContent = text;
    status.hidden = !text;
    status.classList.toggle("error", Boolean(failed));
  }

  // Loads ``url`` into ``video`` once the clip exists; resolves true when it does.
  async function open(video, url, status, play) {
    const ticket = (video.dataset.clipTicket = String(Number(video.dataset.clipTicket || 0) + 1));
    const slow = setTimeout(function () {
      say(status, "Cutting the clip… (the first open of a clip takes a few seconds)");
    }, SLOW_MS);
    let response;
    try {
      // Not followed: with media on S3 the site answers a redirect to the bucket once the clip
      // is stored, and the bucket need not allow this page's origin (the <video> needs no CORS).
      response = await fetch(url, {
        headers: { Range: "bytes=0-0" }, credentials: "same-origin", redirect: "manual",
      });
    } catch (err) {
      response = null;
    }
    clearTimeout(slow);
    if (video.dataset.clipTicket !== ticket) return false;  // another clip was opened meanwhile
    if (!response || !(response.ok || response.type === "opaqueredirect")) {
      const reason = response ? (await response.text()).trim() : "The server could not be reached.";
      video.removeAttribute("src");
      video.load();
      say(status, reason || "This clip could not be opened.", true);
      return false;
    }
    say(status, "");
    // Already loading it (the page's own src): keep its playback, unless that load failed.
    if (video.src !== new URL(url, location.href).href || video.error) video.src = url;
    if (play) video.play().catch(function () { /* autoplay refused: the controls are there */ });
    return true;
  }

  // Asks for a clip the viewer is likely to open next, so that it is cut by then (the answer is
  // not waited for: a failure shows when that clip is opened).
  function warm(url) {
    fetch(url, { headers: { Range: "bytes=0-0" }, credentials: "same-origin", redirect: "manual" })
      .catch(function () { /* only a head start */ });
  }

  window.FilmRoomClip = { open: open, warm: warm };
})();
