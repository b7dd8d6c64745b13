// The weekly hours editor, in place. Without this file every button posts the week back
// and the server shows it with the change (nothing is saved until "Save working hours");
// with it:
//   - "Add an interval" adds an empty interval to that day and puts the cursor in it;
//   - "Remove" takes the interval away (a missing interval is simply not saved);
//   - unticking a day hides its intervals and leaves them out of the form (disabled);
//     ticking it shows them again, with an empty one if it had none.
(function () {
  "use strict";

  function fields(day) {
    return day.querySelectorAll("[data-day-body] input, [data-day-body] select");
  }

  function addInterval(day, focus) {
    const total = day.querySelector('input[name$="-TOTAL_FORMS"]');
    const template = day.querySelector("template[data-empty-interval]");
    const list = day.querySelector("[data-intervals]");
    const index = Number(total.value);
    list.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    const first = list.lastElementChild.querySelector("input");
    if (focus && first) first.focus();
  }

  function sync(day) {
    const open = day.querySelector("[data-day-open]");
    const body = day.querySelector("[data-day-body]");
    if (open.checked && !day.querySelector("[data-interval]")) addInterval(day, false);
    body.hidden = !open.checked;
    fields(day).forEach(function (field) {
      field.disabled = !open.checked;
    });
  }

  document.querySelectorAll("[data-day]").forEach(function (day) {
    sync(day);
    day.querySelector("[data-day-open]").addEventListener("change", function () {
      sync(day);
    });
  });

  document.addEventListener("click", function (event) {
    const add = event.target.closest("[data-add-interval]");
    const remove = event.target.closest("[data-remove-interval]");
    if (add) {
      event.preventDefault();
      addInterval(add.closest("[data-day]"), true);
    } else if (remove) {
      event.preventDefault();
      const day = remove.closest("[data-day]");
      remove.closest("[data-interval]").remove();
      day.querySelector("[data-add-interval]").focus();
    }
  });
})();
