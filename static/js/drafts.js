// Drafts across a sign-in: a form refused because the session ended (403 with X-CSRF-Failure, or a station's
// X-Session-Ended redirect to sign-in) is kept in this tab's sessionStorage, keyed by the form's action, and filled
// back in (its sheet opened) when that screen is open again after signing in.
// A station tablet is shared: a draft belongs to the person whose page it was typed on (<body data-actor>, an
// opaque id) and is put back for that person only, within DRAFT_MINUTES. Any page of another person drops every
// draft, and so does signing out (the sign-in page after a session that *ended* keeps them for the same person).
// Badges, PINs, passwords and CSRF tokens are never kept: a supervisor's badge must not stay on the tablet.
// A photo cannot be kept: the browser never refills a file field, and the banner says so.
(function () {
  const body = document.body;
  const DRAFTS = "plexcopilot-drafts";
  const DRAFT_MINUTES = 30;
  const actor = body.dataset.actor || "";  // "" on a page nobody is signed in to (the sign-in page)
  const uiText = (key, english) => body.dataset[key] || english;
  const SKIPPED_TYPES = ["file", "hidden", "password", "submit", "checkbox", "radio"];
  const SECRET_NAME = /badge|pin|password|csrf/i;

  function drafts() {
    try { return JSON.parse(sessionStorage.getItem(DRAFTS) || "{}"); } catch (_) { return {}; }
  }
  function saveDrafts(all) {
    try {
      if (Object.keys(all).length) sessionStorage.setItem(DRAFTS, JSON.stringify(all));
      else sessionStorage.removeItem(DRAFTS);
    } catch (_) { /* private mode: nothing kept */ }
  }
  const fresh = (draft) => draft && draft.fields && Date.now() - (draft.saved_at || 0) < DRAFT_MINUTES * 60 * 1000;
  const formOf = (elt) => elt && (elt.tagName === "FORM" ? elt : elt.closest && elt.closest("form"));

  function keepDraft(form) {
    if (!form || !form.getAttribute("action") || !actor) return;
    const fields = {};
    form.querySelectorAll("textarea[name], select[name], input[name]").forEach((field) => {
      if (SKIPPED_TYPES.indexOf(field.type) >= 0 || SECRET_NAME.test(field.name)) return;
      fields[field.name] = field.value;
    });
    const all = drafts();
    all[form.getAttribute("action")] = { actor: actor, saved_at: Date.now(), fields: fields };
    saveDrafts(all);
  }

  // Drops what must not stay (another person's drafts, old ones) and puts back this person's.
  function restoreDrafts() {
    const all = drafts();
    Object.keys(all).forEach((action) => {
      if (!fresh(all[action]) || (actor && all[action].actor !== actor)) delete all[action];
    });
    let restored = null;
    if (actor) {
      document.querySelectorAll("form[action]").forEach((form) => {
        const draft = all[form.getAttribute("action")];
        if (!draft) return;
        Object.keys(draft.fields).forEach((name) => {
          const field = form.elements[name];
          if (field && field.type !== "file" && field.value !== undefined) field.value = draft.fields[name];
        });
        delete all[form.getAttribute("action")];
        restored = form;
      });
    }
    saveDrafts(all);
    if (!restored) return;
    const sheet = restored.closest("[popover]");
    if (sheet && sheet.showPopover && !sheet.matches(":popover-open")) sheet.showPopover();
    window.plexcopilot.banner(uiText("textDraftBack", "What you typed before signing in again is back. Check it and send it again."), restored);
  }

  document.addEventListener("DOMContentLoaded", restoreDrafts);
  document.addEventListener("submit", (e) => {
    if (e.target.matches && e.target.matches("form[data-sign-out]")) saveDrafts({});
  }, true);
  body.addEventListener("htmx:beforeOnLoad", (e) => {
    const xhr = e.detail.xhr;
    if (xhr && xhr.getResponseHeader("X-Session-Ended")) keepDraft(formOf(e.detail.elt));
  });
  body.addEventListener("htmx:responseError", (e) => {
    const xhr = e.detail.xhr;
    if (xhr && xhr.status === 403 && xhr.getResponseHeader("X-CSRF-Failure")) keepDraft(formOf(e.detail.elt));
  });
})();
