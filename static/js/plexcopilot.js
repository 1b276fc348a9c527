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
