// Running timers on the station labor page. The start time comes from the server (the punch),
// so a reload or another tablet shows the same elapsed time.
(function () {
  function tick() {
    document.querySelectorAll("[data-since]").forEach(function (el) {
      var since = Date.parse(el.dataset.since);
      if (isNaN(since)) return;
      var minutes = Math.max(0, Math.floor((Date.now() - since) / 60000));
      el.textContent = Math.floor(minutes / 60) + " h " + String(minutes % 60).padStart(2, "0") + " min";
    });
  }
  tick();
  setInterval(tick, 15000);
  document.addEventListener("htmx:afterSwap", tick);
})();
