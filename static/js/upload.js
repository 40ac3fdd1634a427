// Streams a recording to the server in chunks, with a progress bar; resumes after a broken chunk.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form) return;
  const box = document.getElementById("upload-progress");
  const bar = box.querySelector("progress");
  const status = box.querySelector(".status");
  const cancelButton = document.getElementById("upload-cancel");
  // The upload being sent and its chunk in flight, for Cancel.
  let current = null, inFlight = null, cancelled = false;

  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  async function json(response) {
    let body = {};
    try { body = await response.json(); } catch (e) { /* not JSON */ }
    if (!response.ok && response.status !== 409) {
      throw new Error(body.error || ("the server answered " + response.status));
    }
    return { status: response.status, body: body };
  }

  // Answers to a chunk that no retry changes; others (a dropped connection, 5xx, a full disk)
  // are retried a few times with back-off.
  const REFUSED = new Set([400, 403, 404, 410, 413]);

  function sendChunk(url, blob, offset, onProgress) {
    // XMLHttpRequest rather than fetch: it reports upload progress.
    return new Promise(function (resolve, reject) {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      xhr.setRequestHeader("X-CSRFToken", csrf());
      xhr.setRequestHeader("Upload-Offset", String(offset));
      xhr.setRequestHeader("Content-Type", "application/offset+octet-stream");
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) onProgress(e.loaded); };
      xhr.onload = function () {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status === 200 || xhr.status === 409) return resolve(body);
        const error = new Error(body.error || ("the server answered " + xhr.status));
        error.status = xhr.status;
        reject(error);
      };
      xhr.onerror = function () { reject(new Error("network error")); };
      xhr.onabort = function () { reject(new Error("cancelled")); };
      inFlight = xhr;
      xhr.send(blob);
    });
  }

  // Leaving mid-upload asks first (the browser's own "Leave site?"); what was sent is kept, and
  // choosing the same file again resumes it.
  let sending = false;
  window.addEventListener("beforeunload", function (e) {
    if (!sending) return;
    e.preventDefault();
    e.returnValue = "";
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const file = form.file.files[0];
    if (!file) return;
    form.querySelector("button").disabled = true;
    box.hidden = false;
    bar.hidden = false;
    bar.value = 0;
    status.classList.remove("error");
    status.textContent = "Starting…";
    // The same file (name, size, date) for the same team and profile resumes an upload this
    // browser left unfinished (a closed tab, a click away), from the last byte the server has.
    const key = ["filmroom-upload", form.team.value, form.profile.value, file.name, file.size,
                 file.lastModified].join(":");
    sending = true;
    try {
      let up = null;
      const earlier = localStorage.getItem(key);
      if (earlier) {
        const again = await fetch("/replays/uploads/" + encodeURIComponent(earlier));
        const body = again.ok ? await again.json() : null;
        if (body && body.size === file.size && body.state === "open") {
          up = body;
          status.textContent = "Resuming the earlier upload of this file from " +
            Math.floor((100 * up.offset) / Math.max(1, file.size)) + "%…";
        } else localStorage.removeItem(key);
      }
      if (!up) {
        const created = await json(await fetch(form.dataset.createUrl || "/replays/uploads/", {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
          body: JSON.stringify({ team: form.team.value, profile: form.profile.value,
                                 filename: file.name, size: file.size }),
        }));
        up = created.body;
        if (up.state !== "complete") localStorage.setItem(key, up.id);
      }
      const url = "/replays/uploads/" + up.id;
      current = { url: url, key: key };
      cancelButton.hidden = false;
      let offset = up.offset, failures = 0, state = up;
      // The speed is of this page's sending: bytes stored before a reload (a resume) are not.
      const started = performance.now(), resumedAt = up.offset;
      // Until the server says complete: a whole file it could not store yet (503) is retried
      // with an empty chunk at the end.
      while (offset < file.size || state.state !== "complete") {
        if (cancelled) throw new Error("cancelled");
        const end = Math.min(offset + up.chunk_bytes, file.size);
        try {
          state = await sendChunk(url, file.slice(offset, end), offset, function (loaded) {
            const done = offset + loaded;
            bar.value = (100 * done) / file.size;
            const mbps = (done - resumedAt) / 1e6 / ((performance.now() - started) / 1000);
            status.textContent = "Uploading… " + bar.value.toFixed(0) + "% (" + mbps.toFixed(1) + " MB/s)";
          });
          if (!state.state) state = (await json(await fetch(url))).body;  // a 409: ask where
          offset = state.offset;
          failures = 0;
        } catch (err) {
          // A refusal (no longer a member, expired, too large) is final: retrying only delays it.
          if (cancelled || REFUSED.has(err.status) || ++failures > 5) throw err;
          status.textContent = "Connection trouble, resuming… (" + err.message + ")";
          await new Promise(function (r) { setTimeout(r, 1000 * failures); });
          const now = await json(await fetch(url));
          offset = now.body.offset;
          state = now.body;
        }
      }
      bar.value = 100;
      localStorage.removeItem(key);
      sending = false;
      cancelButton.hidden = true;
      status.textContent = "Uploaded. Opening the replay…";
      window.location.href = state.replay_url;
    } catch (err) {
      sending = false;
      cancelButton.hidden = true;
      bar.hidden = true;
      form.querySelector("button").disabled = false;
      if (cancelled) return;  // cancel() says how it went
      status.textContent = "Upload failed: " + err.message;
      status.classList.add("error");
    } finally {
      current = inFlight = null;
    }
  });

  // Cancel: stop sending and have the server remove what it received (the same file chosen
  // again then starts from the beginning). A chunk the server is writing is let finish first.
  cancelButton.addEventListener("click", async function () {
    const up = current;
    if (!up || cancelled) return;
    cancelled = true;
    cancelButton.disabled = true;
    status.classList.remove("error");
    status.textContent = "Cancelling…";
    if (inFlight) inFlight.abort();
    let message = "", made = null;
    for (let attempt = 0; attempt < 20; attempt++) {
      let response = null, body = {};
      try {
        response = await fetch(up.url, { method: "DELETE", headers: { "X-CSRFToken": csrf() } });
        try { body = await response.json(); } catch (e) { /* not JSON */ }
      } catch (e) { message = "the server could not be reached"; }
      if (response && response.ok) { message = ""; break; }
      if (response) message = body.error || ("the server answered " + response.status);
      // 409 while a chunk is being written: it ends in a moment.
      if (response && response.status !== 409) break;
      if (body.replay_url || /replay now/.test(message)) { made = body.replay_url || ""; break; }
      await new Promise(function (r) { setTimeout(r, 500); });
    }
    if (!message || made !== null) localStorage.removeItem(up.key);  // nothing left to resume
    sending = false;
    cancelled = false;
    cancelButton.disabled = false;
    cancelButton.hidden = true;
    bar.hidden = true;
    form.querySelector("button").disabled = false;
    if (made !== null) {
      // Every byte had arrived before the cancel: the replay exists (or is being made).
      status.textContent = "Too late to cancel: the whole file had arrived, so it is a replay now. ";
      if (made) {
        const open = document.createElement("a");
        open.href = made;
        open.textContent = "Open it (delete it from its page)";
        status.append(open);
      }
    } else if (message) {
      status.textContent = "Could not cancel: " + message;
      status.classList.add("error");
    } else {
      status.textContent = "Upload cancelled: what was sent has been removed.";
    }
  });
})();
