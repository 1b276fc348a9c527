// Free-text fields (a note, a reason, a question) carry their limit as data-limit, never as maxlength: a browser
// cuts a pasted text at maxlength without a word. Here each such field counts what is in it ("523 / 500") and the
// count turns to the warning colour when over; the server refuses an over-long text with a message and gives it
// back whole. Without this script nothing is lost either: the server's refusal says the length.
(function () {
  // As the server counts: characters (not UTF-16 units), a line break once (a browser posts it as CR LF).
  const length = (text) => [...text.replace(/\r\n?/g, "\n").trim()].length;
  const number = (n) => n.toLocaleString(document.documentElement.lang || undefined);

  function counter(field) {
    let el = field.nextElementSibling;
    if (!el || !el.classList.contains("char-count")) {
      el = document.createElement("span");
      el.className = "char-count";
      el.dataset.testid = "char-count";
      field.after(el);
    }
    return el;
  }

  function update(field) {
    const limit = parseInt(field.dataset.limit, 10);
    if (!limit) return;
    const n = length(field.value);
    const el = counter(field);
    el.textContent = number(n) + " / " + number(limit);
    el.hidden = n === 0;
    el.classList.toggle("is-over", n > limit);
    if (n > limit) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
  }

  const updateAll = () => document.querySelectorAll("[data-limit]").forEach(update);
  document.addEventListener("input", (e) => {
    if (e.target.matches && e.target.matches("[data-limit]")) update(e.target);
  });
  // Changes no input event reports: a form reset, a swap (a refusal puts a text back), a sent question cleared.
  document.addEventListener("reset", () => setTimeout(updateAll, 0));
  ["htmx:load", "htmx:wsAfterSend", "htmx:wsAfterMessage"].forEach((name) => document.addEventListener(name, updateAll));
  window.addEventListener("pageshow", updateAll); // Back restores what was typed
  updateAll();
})();
