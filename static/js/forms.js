// Every page: a form that goes to the server (a plain POST, not one a script sends itself) is sent
// once. A double click on Create made two tournaments; the second click now finds the button
// disabled. Coming back to the page (back button, bfcache), or 8 s on it, gives them back.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    const form = e.target;
    if (e.defaultPrevented || (form.method || "").toLowerCase() !== "post" || form.target) return;
    if (form.dataset.sending) { e.preventDefault(); return; }
    form.dataset.sending = "1";
    // After this event: the button pressed is still part of what the form sends.
    setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]")
        .forEach(function (b) { b.disabled = true; b.dataset.sentOnce = "1"; });
    }, 0);
  });
  function giveBack() {
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      delete form.dataset.sending;
      form.querySelectorAll("[data-sent-once]").forEach(function (b) {
        b.disabled = false;
        delete b.dataset.sentOnce;
      });
    });
  }
  window.addEventListener("pageshow", giveBack);
  // Still on this page long after sending (an answer that was a download, a network error):
  // the buttons come back.
  document.addEventListener("submit", function () { setTimeout(giveBack, 8000); });
})();
