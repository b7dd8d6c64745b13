// The week strip of the booking and rescheduling pages, improved: htmx swaps the slot
// picker in place; then the keyboard focus goes where the eyes should. A day link moves
// it to that day's times (their heading, which also scrolls them into view); a week link
// keeps it on the link (htmx restores it by id), or, when that link is gone (the first or
// last week), puts it on the strip's heading. Without JavaScript the links reload the page
// at #times or #week instead.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.target || event.target.id !== "slot-picker") {
      return;
    }
    var config = event.detail && event.detail.requestConfig;
    var trigger = config && config.elt;
    var times = document.getElementById("times-heading");
    if (trigger && trigger.id && trigger.id.indexOf("day-") === 0 && times) {
      times.focus();
      return;
    }
    var active = document.activeElement;
    if (!active || active === document.body) {
      var heading = document.getElementById("day-heading");
      if (heading) {
        heading.focus();
      }
    }
  });
})();
