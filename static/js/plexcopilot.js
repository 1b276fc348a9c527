// Station idle timer: after the configured idle time the page reloads, the server sees the
// expired station session and shows the sign-in page, so no operator's screen stays open.
(function () {
  const body = document.body;
  const seconds = parseInt(body.dataset.idleSeconds || "0", 10);
  if (!seconds) return;
  let last = Date.now();
  const touch = () => { last = Date.now(); };
  ["pointerdown", "keydown", "input", "touchstart"].forEach((e) => document.addEventListener(e, touch, { passive: true }));
  // A page's own refresh (data-background-poll) is not the operator: it does not keep the screen signed in.
  document.body.addEventListener("htmx:afterRequest", (e) => {
    if (!(e.detail && e.detail.elt && e.detail.elt.matches("[data-background-poll]"))) touch();
  });
  setInterval(() => {
    if (Date.now() - last > (seconds + 2) * 1000) window.location.assign(body.dataset.idleUrl || "/");
  }, 5000);
})();

// Production behaviour (issue 11): failed submits say so and keep the entry, retries carry the same
// idempotency key, and live sockets come back by themselves.
(function () {
  const body = document.body;

  // --- Idempotency keys: one per filled-in form, reused by every retry of that submit. --------------------
  // The server records each key once (Andon raise, defect report, step done), so a retry after a timeout or a
  // 503 never creates a second call. A form re-rendered by a successful swap is a new element with a new key.
  function newKey() {
    const bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);  // works on plain-http plant networks too
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function ensureKey(form) {
    if (!form || (form.method || "").toLowerCase() !== "post") return;
    let field = form.querySelector("input[name=idempotency_key]");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "idempotency_key";
      form.appendChild(field);
    }
    if (!field.value) field.value = newKey();
  }
  document.addEventListener("submit", (e) => ensureKey(e.target), true);
  body.addEventListener("htmx:configRequest", (e) => {
    const elt = e.detail.elt;
    const form = elt && (elt.tagName === "FORM" ? elt : elt.closest && elt.closest("form"));
    if (form && e.detail.verb === "post") {
      ensureKey(form);
      e.detail.parameters["idempotency_key"] = form.querySelector("input[name=idempotency_key]").value;
    }
  });

  // --- Failed submits: a banner, the form left as typed. -----------------------------------------------------
  // Station pages hand these texts over in the operator's language (data-text-* on <body>).
  const uiText = (key, english) => body.dataset[key] || english;
  const NOT_SAVED = uiText("textNotSaved", "Not saved: the server could not be reached. What you typed is still here — press the button again.");
  // Shown where the operator is looking: inside the open sheet the request came from (a sheet sits in the top
  // layer, over anything on the page), else at the top of the page.
  function banner(text, elt) {
    const sheet = elt && elt.closest && elt.closest("[popover]");
    const host = sheet && sheet.matches(":popover-open") ? sheet : body;
    let el = document.getElementById("outage-banner");
    if (el && el.parentNode !== host) {
      el.remove();
      el = null;
    }
    if (!el) {
      el = document.createElement("div");
      el.id = "outage-banner";
      el.className = "outage-banner";
      el.setAttribute("role", "alert");
      el.setAttribute("data-testid", "outage-banner");
      el.innerHTML = '<span></span><button type="button" class="btn btn-small">OK</button>';
      el.querySelector("button").addEventListener("click", () => el.remove());
      host.prepend(el);
    }
    el.querySelector("span").textContent = text;
    el.querySelectorAll("[data-testid=sign-in-again]").forEach((b) => b.remove());  // only the 403 offers it
    return el;
  }

  // drafts.js keeps what a form refused for an ended session held, and says so with this banner when it is back.
  window.plexcopilot = Object.assign(window.plexcopilot || {}, { banner: banner });

  body.addEventListener("htmx:responseError", (e) => {
    const xhr = e.detail.xhr;
    let text = NOT_SAVED;
    if (xhr && xhr.status === 503) {
      const holder = document.createElement("div");
      holder.innerHTML = xhr.responseText || "";
      const msg = holder.querySelector(".outage-message");
      if (msg) text = msg.textContent.trim();
    } else if (xhr && xhr.status === 413) {
      text = uiText("textTooLarge", "Not saved: that photo or file is too large. Take a smaller one and send it again; what you typed is still here.");
    } else if (xhr && xhr.status === 403 && xhr.getResponseHeader("X-CSRF-Failure")) {
      // A page older than the session (signed out and in again in another tab): the form's token is stale.
      // What was typed is kept in this tab (drafts.js) and put back after signing in; the banner offers the sign-in.
      if (xhr) xhr.plexBannered = true;
      const el = banner(uiText("textSessionEnded", "Your session ended or changed, so this was not sent. Sign in again: what you typed is kept in this browser tab and put back when this screen opens again (choose a photo again)."), e.detail.elt);
      const signIn = document.createElement("button");
      signIn.type = "button";
      signIn.className = "btn btn-small btn-primary";
      signIn.setAttribute("data-testid", "sign-in-again");
      signIn.textContent = uiText("textSignInAgain", "Sign in again");
      signIn.addEventListener("click", () => window.location.reload());  // the server sends it to its sign-in
      el.querySelector("span").after(signIn);
      return;
    } else if (xhr && xhr.status === 429) {
      text = body.dataset.textTooMany || "Too many attempts. Wait a minute, then try again.";
    } else if (xhr && xhr.status >= 500) {
      text = body.dataset.textServerError || "Not saved: something went wrong on the server. What you typed is still here — try again; if it keeps failing, tell your supervisor.";
    } else {
      return;
    }
    if (xhr) xhr.plexBannered = true;  // afterRequest (which follows) must not take it away again
    banner(text, e.detail.elt);
  });
  body.addEventListener("htmx:sendError", (e) => banner(NOT_SAVED, e.detail.elt));
  body.addEventListener("htmx:timeout", (e) => banner(NOT_SAVED, e.detail.elt));
  // A request that got through (a save, a 422 re-render) clears the banner of an earlier failure.
  body.addEventListener("htmx:afterRequest", (e) => {
    const xhr = e.detail.xhr;
    if (xhr && !xhr.plexBannered && xhr.status < 500 && xhr.status !== 429 && xhr.status !== 0) {
      const el = document.getElementById("outage-banner");
      if (el) el.remove();
    }
  });

  // --- Live sockets: reconnect on any close that was not ours; the server re-sends what was missed. -----------
  // The ws extension only retries codes 1006/1011/1012/1013; a worker restart closes with 1001 (going away).
  // On every (re)connect the consumers send the current state: the Andon board, the reload banner, the
  // copilot conversation (and the answer still being written, when it completes).
  body.addEventListener("htmx:wsClose", (e) => {
    const elt = e.target;
    const code = e.detail.event && e.detail.event.code;
    if (!document.body.contains(elt)) return;
    elt.classList.add("ws-offline");
    if (code === 1000 || code >= 4000 || [1006, 1011, 1012, 1013].indexOf(code) >= 0) return;
    const wrapper = e.detail.socketWrapper;
    setTimeout(() => { if (document.body.contains(elt)) wrapper.reconnect(); }, 1000 + Math.random() * 2000);
  });
  body.addEventListener("htmx:wsOpen", (e) => e.target.classList.remove("ws-offline"));

  // A swap of the step panel (a reading, an override, a defect) replaces the elements that hold the step's
  // sockets, and the ws extension closes the old ones. A socket closed while still connecting "fails" in the
  // browser: an error event that htmx logs as a console error, on a routine swap. Such a socket is closed
  // the moment it opens instead (the extension's own factory otherwise, hoisted for this purpose).
  if (window.htmx) {
    htmx.createWebSocket = (url) => {
      const socket = new WebSocket(url, []);
      socket.binaryType = htmx.config.wsBinaryType || "blob";
      const close = socket.close.bind(socket);
      socket.close = (code, reason) => {
        if (socket.readyState === WebSocket.CONNECTING) {
          socket.addEventListener("open", () => close(code, reason), { once: true });
        } else {
          close(code, reason);
        }
      };
      return socket;
    };
  }
})();

// Station run: the step strip follows the current step; a sheet re-rendered with an error opens again.
(function () {
  function settle(root) {
    const current = (root || document).querySelector(".strip-step.is-current");
    if (current) current.scrollIntoView({ block: "nearest", inline: "center" });
    // The sheet itself may be what was swapped (a refused flag re-renders only its sheet).
    const sheets = [...(root || document).querySelectorAll("[popover][data-open]")];
    if (root && root.matches && root.matches("[popover][data-open]")) sheets.push(root);
    sheets.forEach((el) => {
      if (el.showPopover && !el.matches(":popover-open")) el.showPopover();
    });
    // Focus the reading field for wedge gauges without scrolling the step's title away.
    const field = (root || document).querySelector("[data-autofocus]");
    if (field && !document.querySelector(":popover-open")) field.focus({ preventScroll: true });
  }
  document.addEventListener("DOMContentLoaded", () => settle(document));
  document.addEventListener("htmx:afterSettle", (event) => settle(event.target));
})();

// Copilot: "thinking" shows the moment a question leaves the tablet, before the server says anything.
// The question box sits low on the step, so what answers it is brought into view: "thinking" when the question
// is sent, the answer when it starts and again when it is complete (not on every streamed piece, which would
// fight the operator's own scrolling, and not for the history a socket sends on connect).
(function () {
  const thinking = () => document.getElementById("copilot-thinking");
  let asked = false;
  let shown = "";
  function reveal(el) {
    if (el) el.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("htmx:wsBeforeSend", (event) => {
    const form = event.target.closest && event.target.closest("[data-copilot-form]");
    const el = thinking();
    if (!form) return;
    asked = true;
    shown = "";
    if (el) {
      el.hidden = false;
      reveal(el);
    }
  });
  document.addEventListener("htmx:wsAfterMessage", () => {
    const el = thinking();
    if (el) el.hidden = true;
    if (!asked) return;
    const error = document.getElementById("copilot-error");
    if (error && error.textContent.trim()) {
      asked = false;
      reveal(error);
      return;
    }
    const log = document.getElementById("copilot-log");
    const newest = log && log.lastElementChild;  // the log is shown newest first (column-reverse)
    if (!newest) return;
    const streaming = newest.classList.contains("is-streaming");
    const state = newest.id + (streaming ? " streaming" : " complete");
    if (state === shown) return;
    shown = state;
    if (!streaming) asked = false;
    reveal(newest);
  });
})();

// Andon first: a call is kept on the tablet (localStorage) the moment it is tapped, shown at once, and sent
// until the server confirms it. Every retry carries the call's own idempotency key, so it is raised once.
(function () {
  const body = document.body;
  const STORE = "plexcopilot-andon-queue";
  const say = (key, english) => body.dataset[key] || english;
  let timer = null;
  let delay = 1000;

  const load = () => { try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (e) { return []; } };
  const save = (queue) => localStorage.setItem(STORE, JSON.stringify(queue));
  function key() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "andon-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function state() { return document.getElementById("andon-state"); }

  // While a tapped call is being sent every category button is disabled, so the second tap of a gloved double tap
  // cannot raise a call (least of all one of another kind). At least LOCK_MIN ms, so a fast answer cannot re-arm
  // the buttons under the finger; at most LOCK_MAX ms, so a server that does not answer never keeps the operator
  // from raising another call (Safety): the first one is kept on the tablet and sent again meanwhile.
  const LOCK_MIN = 800, LOCK_MAX = 4000;
  let lockedAt = 0, unlockTimer = null;
  const categoryButtons = () => document.querySelectorAll("form[data-andon-form] button[name=category]");
  function unlock() {
    unlockTimer = null;
    categoryButtons().forEach((b) => { b.disabled = false; });
    document.querySelectorAll("form[data-andon-form]").forEach((f) => f.removeAttribute("aria-busy"));
  }
  function lock(form) {
    lockedAt = Date.now();
    categoryButtons().forEach((b) => { b.disabled = true; });
    form.setAttribute("aria-busy", "true");
    clearTimeout(unlockTimer);
    unlockTimer = setTimeout(unlock, LOCK_MAX);
  }
  function unlockSoon() {
    if (!unlockTimer) return;
    clearTimeout(unlockTimer);
    unlockTimer = setTimeout(unlock, Math.max(0, LOCK_MIN - (Date.now() - lockedAt)));
  }
  function showQueued(queue, message) {
    const el = state();
    if (!el) return;
    el.querySelectorAll(".andon-pending").forEach((p) => p.remove());
    queue.forEach((item) => {
      const p = document.createElement("p");
      p.className = "andon-call andon-state-raised andon-pending";
      p.dataset.testid = "andon-pending";
      p.textContent = item.label + " — " + message;
      el.prepend(p);
    });
  }

  // A call the server refused (a note over its limit) was not raised: the sheet says why, with the note and the
  // stopped-machine tick put back as they were, to shorten and tap again.
  function refused(item, said) {
    const form = document.querySelector("form[data-andon-form]");
    const note = form && form.querySelector("input[name=note]");
    const down = form && form.querySelector("input[name=line_down]");
    if (note) {
      note.value = item.note;
      note.dispatchEvent(new Event("input", { bubbles: true }));
    }
    if (down) down.checked = item.lineDown;
    const el = state();
    if (!el || !said) return;
    el.querySelectorAll(".andon-refused").forEach((p) => p.remove());
    const p = document.createElement("p");
    p.className = "alert alert-error andon-refused";
    p.setAttribute("role", "alert");
    p.dataset.testid = "andon-refused";
    p.textContent = said.textContent.trim();
    el.prepend(p);
  }

  async function flush() {
    timer = null;
    let queue = load();
    if (!queue.length) return;
    const form = document.querySelector("form[data-andon-form]");
    if (!form) return;
    const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    showQueued(queue, say("textAndonSending", "sending…"));
    for (const item of queue) {
      const data = new FormData();
      data.append("category", item.category);
      data.append("note", item.note);
      if (item.lineDown) data.append("line_down", "1");
      data.append("idempotency_key", item.key);
      let response = null;
      try {
        response = await fetch(form.action, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { "X-CSRFToken": csrf, "Idempotency-Key": item.key, "HX-Request": "true" },
        });
      } catch (e) { response = null; }
      unlockSoon();
      const html = response ? await response.text() : "";
      const holder = document.createElement("div");
      holder.innerHTML = html;
      const status = holder.querySelector("#andon-status");
      if (response && response.ok && status) {
        queue = load().filter((q) => q.key !== item.key);
        save(queue);
        const el = state();
        if (el) el.innerHTML = status.innerHTML;
        delay = 1000;
      } else if (response && response.status === 422) {
        save(load().filter((q) => q.key !== item.key));  // refused as invalid: retrying cannot help
        refused(item, holder.querySelector("[data-testid=andon-error]"));
      } else {
        showQueued(load(), say("textAndonQueued", "kept on this tablet, sending again…"));
        delay = Math.min(delay * 2, 15000);
        timer = setTimeout(flush, delay);
        return;
      }
    }
    showQueued(load(), say("textAndonSending", "sending…"));
  }

  document.addEventListener("submit", (e) => {
    const form = e.target.closest && e.target.closest("form[data-andon-form]");
    if (!form) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    const button = e.submitter;
    if (!button || button.name !== "category") return;
    const queue = load();
    queue.push({
      key: key(), category: button.value, label: button.textContent.trim(),
      note: (form.querySelector("input[name=note]") || {}).value || "",
      lineDown: !!(form.querySelector("input[name=line_down]") || {}).checked,
    });
    save(queue);
    lock(form);
    form.reset();
    showQueued(queue, say("textAndonSending", "sending…"));
    if (timer) clearTimeout(timer);
    delay = 1000;
    flush();
  }, true);
  window.addEventListener("online", () => { if (!timer) flush(); });
  document.addEventListener("DOMContentLoaded", () => { if (load().length) flush(); });
})();

// Forms that ask one of several questions (the planning board's what-if): only the chosen trigger's fieldset
// shows. A hidden fieldset is also disabled, so its fields are not posted; without this script every fieldset
// shows and the server ignores the fields of the triggers not chosen.
(function () {
  function sync(form) {
    const kind = form.querySelector("[name=kind]");
    if (!kind) return;
    form.querySelectorAll("fieldset[data-triggers]").forEach((set) => {
      const other = !set.dataset.triggers.split(" ").includes(kind.value);
      set.hidden = other;
      set.disabled = other;
    });
  }
  const syncAll = (root) => root.querySelectorAll("form[data-trigger-form]").forEach(sync);
  document.addEventListener("change", (e) => {
    const form = e.target.closest && e.target.closest("form[data-trigger-form]");
    if (form && e.target.name === "kind") sync(form);
  });
  document.body.addEventListener("htmx:load", (e) => syncAll(e.target));
  window.addEventListener("pageshow", () => syncAll(document));  // Back restores the chosen trigger
  syncAll(document);
})();
