// Keyboard-first review. Checks: 1-3 pick the verdict, Enter records it. Approvals: A
// approves; R and E first move to the comment, then act once a reason is written.
(function () {
  "use strict";
  var root = document.getElementById("review-keys");
  if (!root) { return; }
  var mode = root.getAttribute("data-mode");
  function typing(target) {
    return target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" &&
      target.type !== "radio" && target.type !== "checkbox");
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = event.key.toLowerCase();
    var comment = document.getElementById(mode === "check" ? "note" : "comment");
    if (typing(event.target)) {
      if (key === "escape") { event.target.blur(); }
      return;
    }
    if (mode === "check") {
      var radio = root.querySelector("input[data-key='" + CSS.escape(key) + "']");
      if (radio) {
        radio.checked = true;
        radio.focus();
        if (radio.value === "inaccurate" && comment) { comment.focus(); }
        if (radio.value === "illegal") { document.getElementById("risk-picker").open = true; }
        event.preventDefault();
      }
      return;
    }
    var button = root.querySelector("button[data-key='" + CSS.escape(key) + "']");
    if (!button) { return; }
    event.preventDefault();
    if (key !== "a" && comment && !comment.value.trim()) { comment.focus(); return; }
    button.click();
  });
})();
