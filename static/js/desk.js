// Keyboard shortcuts for the front desk. Every action is an ordinary link or form button
// without this file; it only saves keystrokes:
//   /        focus the patient search box (Alt+F does too, by accesskey)
//   J / K    next / previous row (visit or patient)
//   C        check in the patient of the focused row
//   X        record a no-show for the focused row
// After a check-in or no-show (htmx swaps the board) the focus stays on that row.
(function () {
  "use strict";

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  function rows() {
    return Array.from(document.querySelectorAll("[data-board-row]"));
  }

  function currentRow() {
    return document.activeElement ? document.activeElement.closest("[data-board-row]") : null;
  }

  function focusRow(row) {
    if (!row) return;
    const target = row.querySelector("[data-row-link]") || row.querySelector("a, button");
    if (target) target.focus();
  }

  function step(by) {
    const all = rows();
    if (!all.length) return;
    const index = all.indexOf(currentRow());
    const next = index === -1 ? (by > 0 ? 0 : all.length - 1) : index + by;
    focusRow(all[Math.max(0, Math.min(all.length - 1, next))]);
  }

  function press(action) {
    const row = currentRow();
    const button = row && row.querySelector('[data-action="' + action + '"]');
    if (button) button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const key = event.key.toLowerCase();
    if (key === "/") {
      const search = document.getElementById("id_q");
      if (search) {
        event.preventDefault();
        search.focus();
      }
    } else if (key === "j") {
      step(1);
    } else if (key === "k") {
      step(-1);
    } else if (key === "c") {
      press("check-in");
    } else if (key === "x") {
      press("no-show");
    }
  });

  // htmx swaps the whole board (counts and rows) after a click: keep the focus on the row.
  let lastRow = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    const row = event.detail.elt.closest("[data-board-row]");
    lastRow = row ? row.id : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (lastRow) focusRow(document.getElementById(lastRow));
  });
})();
