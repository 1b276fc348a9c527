// Station idle timer: after the configured idle time the page reloads, the server sees the
// expired station session and shows the sign-in page, so no operator's screen stays open.
(function () {
  const body = document.body;
  const seconds = parseInt(body.dataset.idleSeconds || "0", 10);
  if (!seconds) return;
  let last = Date.now();
  const touch = () => { last = Date.now(); };
  ["pointerdown", "keydown", "input", "touchstart"].forEach((e) => document.addEventListener(e, touch, { passive: true }));
  document.body.addEventListener("htmx:afterRequest", touch);
  setInterval(() => {
    if (Date.now() - last > (seconds + 2) * 1000) window.location.assign(body.dataset.idleUrl || "/");
  }, 5000);
})();

// Station run: the step strip follows the current step; a sheet re-rendered with an error opens again.
(function () {
  function settle(root) {
    const current = (root || document).querySelector(".strip-step.is-current");
    if (current) current.scrollIntoView({ block: "nearest", inline: "center" });
    (root || document).querySelectorAll("[popover][data-open]").forEach((el) => {
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
(function () {
  const thinking = () => document.getElementById("copilot-thinking");
  document.addEventListener("htmx:wsBeforeSend", (event) => {
    const form = event.target.closest && event.target.closest("[data-copilot-form]");
    const el = thinking();
    if (form && el) el.hidden = false;
  });
  document.addEventListener("htmx:wsAfterMessage", () => {
    const el = thinking();
    if (el) el.hidden = true;
  });
})();
