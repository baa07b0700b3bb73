// Show the time left in an exam attempt. The server enforces the limit; this only informs.
(function () {
  "use strict";
  var clock = document.getElementById("countdown");
  if (!clock) { return; }
  var deadline = new Date(clock.getAttribute("data-deadline")).getTime();
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
    clock.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
    if (left === 0) {
      clock.textContent = "time is up";
      var form = document.getElementById("attempt-form");
      if (form) {
        Array.prototype.forEach.call(form.querySelectorAll("input, button"), function (el) {
          if (el.type !== "hidden") { el.disabled = true; }
        });
      }
      return;
    }
    if (left === 60) { clock.parentNode.setAttribute("aria-live", "assertive"); }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
