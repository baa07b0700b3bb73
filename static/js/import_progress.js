// Poll an import job until it is done, updating its progress and refused rows.
(function () {
  "use strict";
  var root = document.getElementById("import-job");
  if (!root) { return; }
  var url = root.getAttribute("data-url");
  function cell(text) { var td = document.createElement("td"); td.textContent = text; return td; }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (job) {
        document.getElementById("job-status").textContent = job.status_text;
        document.getElementById("job-waiting").hidden = !job.waiting_for_worker;
        var bar = document.getElementById("job-progress");
        bar.max = Math.max(job.rows_total, 1); bar.value = job.rows_done;
        document.getElementById("job-rows").textContent =
          job.rows_done + " of " + job.rows_total + " rows";
        document.getElementById("job-message").textContent = job.message;
        var body = document.getElementById("job-errors");
        body.textContent = "";
        (job.errors.length ? job.errors : [{line: "", reason: "None."}]).forEach(function (e) {
          var row = document.createElement("tr");
          row.appendChild(cell(String(e.line))); row.appendChild(cell(e.reason));
          body.appendChild(row);
        });
        if (job.status === "queued" || job.status === "running") { window.setTimeout(poll, 1500); }
      });
  }
  if (root.getAttribute("data-status") === "queued" || root.getAttribute("data-status") === "running") {
    poll();
  }
})();
