// Ask before a destructive action: buttons with data-confirm submit only after a yes.
document.addEventListener("click", function (event) {
  "use strict";
  var button = event.target.closest ? event.target.closest("[data-confirm]") : null;
  if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
});
