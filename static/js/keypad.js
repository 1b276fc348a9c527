// On-screen numeric keypad for readings, quantities, badges and PINs (fields with data-keypad). It opens on a
// tap of the field; a keyboard-wedge scanner or gauge keeps typing into the field and pressing Enter as before.
(function () {
  const body = document.body;
  const decimal = body.dataset.decimal || ".";
  let target = null;
  let pad = null;

  function build() {
    pad = document.createElement("div");
    pad.className = "keypad";
    pad.id = "keypad";
    pad.setAttribute("role", "group");
    pad.setAttribute("aria-label", body.dataset.textKeypad || "Keypad");
    pad.dataset.testid = "keypad";
    const keys = ["7", "8", "9", "4", "5", "6", "1", "2", "3", "±", "0", decimal, "clear", "⌫", "enter"];
    keys.forEach((key) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "btn keypad-key" + (key === "enter" ? " btn-success keypad-enter" : "");
      b.dataset.key = key;
      b.dataset.testid = "key-" + (key === decimal ? "decimal" : key);
      b.textContent = key === "clear" ? (body.dataset.textClear || "C") : key === "enter" ? "↵" : key;
      if (key === "enter") b.setAttribute("aria-label", body.dataset.textEnter || "Enter");
      if (key === "⌫") b.setAttribute("aria-label", body.dataset.textBackspace || "Backspace");
      pad.appendChild(b);
    });
    // Keep the focus (and the caret) in the field while keys are tapped.
    pad.addEventListener("pointerdown", (e) => e.preventDefault());
    pad.addEventListener("click", (e) => {
      const key = e.target.closest("[data-key]");
      if (key && target) press(key.dataset.key);
    });
    body.appendChild(pad);
  }

  function press(key) {
    const kind = target.dataset.keypad;
    let value = target.value;
    if (key === "clear") value = "";
    else if (key === "⌫") value = value.slice(0, -1);
    else if (key === "±") { if (kind !== "decimal") return; value = value.startsWith("-") ? value.slice(1) : "-" + value; }
    else if (key === "enter") { close(); if (target.form) target.form.requestSubmit(); return; }
    else if (key === decimal) { if (kind !== "decimal" || value.includes(decimal)) return; value += decimal; }
    else value += key;
    target.value = value;
    target.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function open(field) {
    if (!pad) build();
    target = field;
    // Inside a sheet (a popover in the top layer) the keypad must live in the sheet to be seen and tapped.
    const host = field.closest("[popover]") || body;
    if (pad.parentNode !== host) host.appendChild(pad);
    pad.classList.toggle("keypad-integer", field.dataset.keypad !== "decimal");
    // Above the action bar (where a step's reading field and its Record button are), never over it.
    const bar = host === body && document.querySelector(".actionbar");
    pad.style.bottom = bar ? (window.innerHeight - bar.getBoundingClientRect().top + 8) + "px" : "";
    pad.hidden = false;
    body.classList.add("keypad-open");
  }
  function close() {
    if (pad) pad.hidden = true;
    body.classList.remove("keypad-open");
  }

  // A tap on the field opens the keypad; focus set by the page (wedge gauges) does not.
  document.addEventListener("pointerup", (e) => {
    const field = e.target.closest && e.target.closest("input[data-keypad]");
    if (field) open(field);
    else if (pad && !pad.contains(e.target)) close();
  });
  document.addEventListener("focusin", (e) => { if (pad && !pad.hidden && e.target !== target && !pad.contains(e.target)) close(); });
  document.addEventListener("htmx:beforeSwap", close);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
  document.addEventListener("toggle", (e) => { if (e.newState === "closed") close(); }, true);
})();
