// Every page: a form that goes to the server (a plain POST, not one a script sends itself) is sent
// once. A double click on Create made two tournaments; the second click now finds the button
// disabled. Coming back to the page (back button, bfcache), or 8 s on it, gives them back.
(function () {
  "use strict";
  // A form with data-confirm asks first (removing a member, leaving a team).
  document.addEventListener("submit", function (e) {
    const ask = e.target.dataset && e.target.dataset.confirm;
    if (ask && !window.confirm(ask)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);
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

  // Forms marked data-guard (a clip's note, a playlist's title) keep what was typed: leaving the
  // page some other way (another form's button, a link) with one of them changed asks first.
  // Changed means edited and now different from what the page was loaded with: text typed back
  // to what it was is no change.
  const changed = new Set();
  function normal(text) { return text.replace(/\r\n?/g, "\n"); }
  // Whether a field holds something else than its HTML gave it (the DOM keeps that as
  // defaultValue, defaultChecked and defaultSelected; a select-one none of whose options says
  // selected starts on its first enabled option).
  function differs(field) {
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.tagName === "SELECT") {
      const options = Array.from(field.options);
      if (field.multiple) {
        return options.some(function (o) { return o.selected !== o.defaultSelected; });
      }
      const marked = options.filter(function (o) { return o.defaultSelected; }).pop() ||
        options.find(function (o) { return !o.disabled; });
      return marked !== undefined && !marked.selected;
    }
    if (field.tagName === "TEXTAREA" || (field.tagName === "INPUT" &&
        !["button", "submit", "reset", "image", "hidden"].includes(field.type))) {
      return normal(field.value) !== normal(field.defaultValue);
    }
    return false;
  }
  function unsaved(form) {
    return Array.from(form.elements).some(differs);
  }
  // The form whose submission is leaving the page (it sends its text): excused once, by the
  // beforeunload its navigation starts with. A submission that leaves the page standing (an
  // answer that is a download or 204, one sent into another window or frame) must not keep its
  // form excused, or a later link away would leave that form's text without asking: the excuse
  // also ends at the next edit, and when no unload came soon after the submission.
  let leavingBy = null;
  let excuseTimer = 0;
  const EXCUSE_MS = 2000;  // Chromium starts the navigation's beforeunload within milliseconds
  function rearm() {
    leavingBy = null;
    clearTimeout(excuseTimer);
  }
  function edited(e) {
    rearm();
    const form = e.target.form;
    if (form && form.dataset.guard !== undefined) changed.add(form);
  }
  document.addEventListener("input", edited);
  document.addEventListener("change", edited);
  window.addEventListener("submit", function (e) {
    rearm();
    const target = (e.submitter && e.submitter.getAttribute("formtarget")) || e.target.target || "";
    const here = ["", "_self", "_parent", "_top"].includes(target.toLowerCase());
    if (e.defaultPrevented || !here) return;  // sent elsewhere: this page stays as it is
    leavingBy = e.target;
    excuseTimer = setTimeout(rearm, EXCUSE_MS);
  });
  window.addEventListener("pageshow", rearm);
  window.addEventListener("beforeunload", function (e) {
    const by = leavingBy;
    rearm();
    for (const form of changed) {
      if (form !== by && document.contains(form) && unsaved(form)) {
        e.preventDefault();
        e.returnValue = "";
        // "Stay": the form whose button asked was sent nowhere, so its buttons come back now
        // (not after the 8 s a sent form waits); "Leave" unloads the page before this runs.
        setTimeout(giveBack, 0);
        return;
      }
    }
  });
})();
