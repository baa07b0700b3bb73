// While an export runs, reload its page every two seconds to show its progress.
(function () {
  "use strict";
  var root = document.getElementById("export-jobs");
  if (root && root.getAttribute("data-running") === "true") {
    window.setTimeout(function () { window.location.reload(); }, 2000);
  }
})();
