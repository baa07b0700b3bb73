// The labelling page: lease an item, label it from the keyboard, submit and get the next.
// Item text is only ever set with textContent, never as HTML.
(function () {
  "use strict";
  var root = document.getElementById("labelling");
  if (!root) { return; }
  var config = JSON.parse(root.getAttribute("data-config"));
  // The page gives each URL, reversed by the server; those for one object carry the id 0,
  // replaced here by the object's id.
  var urls = {
    next: root.getAttribute("data-next-url"),
    submit: root.getAttribute("data-submit-url"),
    skip: root.getAttribute("data-skip-url"),
    media: root.getAttribute("data-media-url"),
    rules: root.getAttribute("data-rules-url")
  };
  function urlFor(template, id) {
    var at = template.lastIndexOf("/0/");
    return template.slice(0, at) + "/" + encodeURIComponent(String(id)) + "/" +
      template.slice(at + 3);
  }
  var form = document.getElementById("label-form");
  var fieldsBox = document.getElementById("fields");
  var itemBox = document.getElementById("item");
  var messageBox = document.getElementById("message");
  var clock = document.getElementById("lease-clock");
  var doneToday = document.getElementById("done-today");
  var exposure = document.getElementById("exposure");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var lease = null;
  var clientId = null;
  var spans = [];
  var pendingSpan = null;
  var rankings = {};
  var busy = false;
  // What the person had entered when a submit was refused because the item's time ran out:
  // kept on screen, and carried to the next item only if they choose.
  var draft = null;
  var draftBox = document.getElementById("draft");
  var pageOpened = Date.now();
  var done = config.doneToday;
  doneToday.textContent = String(done);

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); });
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") +
      "-" + h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }

  function say(text, kind) {
    messageBox.hidden = !text;
    messageBox.textContent = text || "";
    messageBox.className = "message" + (kind ? " message-" + kind : "");
  }

  function api(path, body) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf,
                "Accept": "application/json"},
      body: JSON.stringify(body || {})
    }).then(function (response) {
      if (response.status === 204) { return {status: 204, body: null}; }
      return response.json().then(function (json) { return {status: response.status, body: json}; },
        function () { return {status: response.status, body: {message: "Unexpected answer."}}; });
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // --- the label fields -----------------------------------------------------------------

  function buildFields() {
    fieldsBox.textContent = "";
    rankings = {};
    config.spec.forEach(function (field, index) {
      var box = el("fieldset", {"class": "field", "data-name": field.name,
                                "data-type": field.type});
      box.appendChild(el("legend", {}, (index + 1) + ". " + field.label +
                                       (field.required ? " (required)" : "")));
      if (field.type === "single_choice" || field.type === "multiple_choice") {
        field.options.forEach(function (option, i) {
          var id = "f-" + field.name + "-" + i;
          var label = el("label", {"for": id, "class": "option"});
          var input = el("input", {type: field.type === "single_choice" ? "radio" : "checkbox",
                                   name: field.name, value: option, id: id});
          label.appendChild(input);
          label.appendChild(document.createTextNode(" " + (i + 1) + ". " + option));
          box.appendChild(label);
        });
      } else if (field.type === "rating") {
        for (var v = field.min; v <= field.max; v += 1) {
          var rid = "f-" + field.name + "-" + v;
          var rl = el("label", {"for": rid, "class": "option inline"});
          rl.appendChild(el("input", {type: "radio", name: field.name, value: String(v), id: rid}));
          rl.appendChild(document.createTextNode(" " + v));
          box.appendChild(rl);
        }
      } else if (field.type === "free_text") {
        var tid = "f-" + field.name;
        box.appendChild(el("label", {"for": tid, "class": "visually-hidden"}, field.label));
        box.appendChild(el("textarea", {id: tid, name: field.name, rows: "2",
                                        maxlength: String(field.max_length || 20000)}));
      } else if (field.type === "ranking") {
        rankings[field.name] = [];
        box.appendChild(el("p", {"class": "helptext"},
          "Press the numbers in order, best first; Backspace clears."));
        field.options.forEach(function (option, i) {
          // One tab stop for the whole ranking: the keys do the work.
          var button = el("button", {type: "button", "class": "rank-option",
                                     "data-index": String(i), tabindex: i ? "-1" : "0"},
                          (i + 1) + ". " + option);
          button.addEventListener("click", function () { rank(field, i); });
          box.appendChild(button);
        });
        box.appendChild(el("p", {"class": "rank-order", "aria-live": "polite"}, "Order: —"));
      }
      fieldsBox.appendChild(box);
    });
  }

  function rank(field, index) {
    var order = rankings[field.name];
    var option = field.options[index];
    if (option === undefined || order.indexOf(option) !== -1) { return; }
    order.push(option);
    var box = fieldsBox.querySelector("fieldset[data-name='" + field.name + "']");
    box.querySelector(".rank-order").textContent = "Order: " + order.join(" › ");
  }

  function currentFieldset() {
    var active = document.activeElement;
    var box = active && active.closest ? active.closest("fieldset.field") : null;
    return box || fieldsBox.querySelector("fieldset.field");
  }

  function payload() {
    var data = {};
    config.spec.forEach(function (field) {
      var box = fieldsBox.querySelector("fieldset[data-name='" + field.name + "']");
      if (field.type === "single_choice") {
        var picked = box.querySelector("input:checked");
        if (picked) { data[field.name] = picked.value; }
      } else if (field.type === "multiple_choice") {
        data[field.name] = Array.prototype.map.call(box.querySelectorAll("input:checked"),
          function (input) { return input.value; });
      } else if (field.type === "rating") {
        var rated = box.querySelector("input:checked");
        if (rated) { data[field.name] = parseInt(rated.value, 10); }
      } else if (field.type === "free_text") {
        var text = box.querySelector("textarea").value;
        if (text) { data[field.name] = text; }
      } else if (field.type === "ranking") {
        if (rankings[field.name].length) { data[field.name] = rankings[field.name].slice(); }
      }
    });
    return data;
  }

  function safetyLabel() {
    var codes = Array.prototype.map.call(form.querySelectorAll("input[name=risk_codes]:checked"),
      function (input) { return input.value; });
    return {risk_codes: codes, no_risk: document.getElementById("no-risk").checked,
            spans: spans.filter(function (span) { return codes.indexOf(span.code) !== -1; }),
            note: document.getElementById("note").value};
  }

  function resetSafety() {
    Array.prototype.forEach.call(form.querySelectorAll("input[type=checkbox]"),
      function (input) { input.checked = false; });
    document.getElementById("note").value = "";
    spans = []; pendingSpan = null;
    document.getElementById("spans").textContent = "";
  }

  // --- a draft kept when the time ran out ------------------------------------------------

  function describe(label) {
    if (config.kind === "safety") {
      var parts = [];
      if (label.no_risk) { parts.push("No risk"); }
      if (label.risk_codes.length) { parts.push("Categories: " + label.risk_codes.join(", ")); }
      if (label.note) { parts.push("Note: " + label.note); }
      return parts.join(" · ") || "Nothing chosen.";
    }
    var lines = Object.keys(label.payload).map(function (name) {
      var value = label.payload[name];
      return name + ": " + (Array.isArray(value) ? value.join(", ") : String(value));
    });
    return lines.join(" · ") || "Nothing chosen.";
  }

  function keepDraft(label, message) {
    // Spans point into the item that went away; the rest of the answer may fit the next one.
    draft = config.kind === "safety" ?
      {risk_codes: label.risk_codes, no_risk: label.no_risk, spans: [], note: label.note} : label;
    lease = null;
    say("", "");
    draftBox.hidden = false;
    document.getElementById("draft-message").textContent = message;
    document.getElementById("draft-text").textContent = describe(draft);
    form.querySelector("#submit").disabled = true;
    form.querySelector("#skip").disabled = true;
    document.getElementById("draft-keep").focus();
  }

  function leaveDraft(keep) {
    var kept = keep ? draft : null;
    draft = null;
    draftBox.hidden = true;
    next().then(function () { if (kept && lease) { fill(kept); } });
  }

  function check(selector) {
    var input = form.querySelector(selector);
    if (input) { input.checked = true; }
  }

  function fill(label) {
    if (config.kind === "safety") {
      label.risk_codes.forEach(function (code) {
        check("input[name=risk_codes][value='" + code + "']");
      });
      document.getElementById("no-risk").checked = label.no_risk;
      document.getElementById("note").value = label.note || "";
    } else {
      config.spec.forEach(function (field) {
        var value = label.payload[field.name];
        var box = fieldsBox.querySelector("fieldset[data-name='" + field.name + "']");
        if (value === undefined || !box) { return; }
        if (field.type === "free_text") { box.querySelector("textarea").value = value; return; }
        if (field.type === "ranking") {
          value.forEach(function (option) { rank(field, field.options.indexOf(option)); });
          return;
        }
        (Array.isArray(value) ? value : [value]).forEach(function (one) {
          Array.prototype.forEach.call(box.querySelectorAll("input"), function (input) {
            if (input.value === String(one)) { input.checked = true; }
          });
        });
      });
    }
    say("Your earlier answer is filled in: check it against this item before you submit.", "");
  }

  document.getElementById("draft-keep").addEventListener("click", function () { leaveDraft(true); });
  document.getElementById("draft-drop").addEventListener("click", function () { leaveDraft(false); });

  // --- the item -----------------------------------------------------------------------

  function showItem(next) {
    lease = next;
    clientId = uuid();
    itemBox.textContent = "";
    if (!lease) {
      itemBox.appendChild(el("p", {"class": "empty-state"},
        "Nothing left for you in this task right now. Well done."));
      form.querySelector("#submit").disabled = true;
      form.querySelector("#skip").disabled = true;
      return;
    }
    var item = lease.item;
    if (item.text) { itemBox.appendChild(el("pre", {"class": "item-text", id: "item-text"}, item.text)); }
    if (item.media_url) {
      var src = urlFor(urls.media, item.id);
      var tag = item.modality === "image" ? "img" : item.modality;
      var media = el(tag, {src: src, "class": "item-media"});
      if (tag === "img") { media.setAttribute("alt", "Item " + item.id); }
      else { media.setAttribute("controls", ""); }
      itemBox.appendChild(media);
    }
    form.querySelector("#submit").disabled = false;
    form.querySelector("#skip").disabled = false;
    if (config.kind === "safety") { resetSafety(); } else { buildFields(); }
    var first = form.querySelector("input, textarea, button.rank-option");
    if (first) { first.focus(); }
  }

  function next() {
    return api(urls.next).then(handleLease);
  }

  function handleLease(result) {
    if (result.status === 200) { showItem(result.body); return; }
    if (result.status === 204) { showItem(null); return; }
    if (result.body && result.body.code === "acknowledgement_required") {
      window.location.href = urlFor(urls.rules, result.body.detail.rule_version_id) +
        "?next=" + encodeURIComponent(window.location.pathname);
      return;
    }
    say((result.body && result.body.message) || "Could not get an item.", "error");
    showItem(null);
  }

  function submit() {
    if (!lease || busy || draft) { return; }
    busy = true;
    var label = config.kind === "safety" ? safetyLabel() : {payload: payload()};
    api(urlFor(urls.submit, lease.id), {client_id: clientId, label: label, next: true})
      .then(function (result) {
        busy = false;
        if (result.status === 201 || result.status === 200) {
          if (result.status === 201) { done += 1; doneToday.textContent = String(done); }
          say(result.body.too_fast ? "Saved. That was faster than the minimum time; a reviewer " +
                                     "will check it." : "Saved.", "success");
          if (result.body.next) { showItem(result.body.next); } else { next(); }
          return;
        }
        var detail = result.body && result.body.detail;
        var lines = detail && detail.payload ? " " + detail.payload.join(" ") : "";
        var message = ((result.body && result.body.message) || "Not saved.") + lines;
        // The lease is gone (its time ran out): keep what was typed, never drop it unasked.
        if (result.status === 409) { keepDraft(label, message); return; }
        say(message, "error");
      }, function () {
        busy = false;
        say("No connection: nothing was lost. Press Enter again to resend.", "error");
      });
  }

  function skip() {
    if (!lease || busy) { return; }
    var reason = window.prompt("Why do you skip this item?");
    if (!reason) { return; }
    api(urlFor(urls.skip, lease.id), {reason: reason}).then(function (result) {
      if (result.status !== 200) { say(result.body.message, "error"); }
      next();
    });
  }

  // --- spans (safety) -----------------------------------------------------------------

  document.addEventListener("mouseup", function () {
    var text = document.getElementById("item-text");
    var selection = window.getSelection();
    if (!text || !selection || selection.isCollapsed || !text.contains(selection.anchorNode)) {
      return;
    }
    var range = selection.getRangeAt(0);
    var before = document.createRange();
    before.setStart(text, 0);
    before.setEnd(range.startContainer, range.startOffset);
    var start = before.toString().length;
    pendingSpan = {start: start, end: start + range.toString().length};
    say("Span selected: tick the category it shows.", "");
  });

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.name === "risk_codes" && input.checked) {
      document.getElementById("no-risk").checked = false;
      if (pendingSpan) {
        spans.push({start: pendingSpan.start, end: pendingSpan.end, code: input.value});
        pendingSpan = null;
        document.getElementById("spans").textContent = spans.length + " span(s) marked.";
      }
    }
    if (input.name === "no_risk" && input.checked) {
      Array.prototype.forEach.call(form.querySelectorAll("input[name=risk_codes]"),
        function (box) { box.checked = false; });
    }
  });

  function filter(inputId, selector) {
    var input = document.getElementById(inputId);
    if (!input) { return; }
    input.addEventListener("input", function () {
      var needle = input.value.toLowerCase();
      Array.prototype.forEach.call(document.querySelectorAll(selector), function (node) {
        node.hidden = needle && node.getAttribute("data-search").indexOf(needle) === -1;
      });
    });
  }
  filter("risk-filter", "label.risk");
  filter("rules-search", ".definition");

  // --- keyboard -------------------------------------------------------------------------

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target.tagName === "TEXTAREA" ||
      (target.tagName === "INPUT" && (target.type === "text" || target.type === "search"));
    if (draft && !typing && !event.ctrlKey && !event.metaKey && !event.altKey &&
        (event.key === "k" || event.key === "K" || event.key === "n" || event.key === "N")) {
      event.preventDefault(); leaveDraft(event.key === "k" || event.key === "K"); return;
    }
    if (event.key === "Enter" && !typing && !event.shiftKey) {
      if (target.tagName === "BUTTON" && target.closest("#draft")) { return; }
      event.preventDefault(); submit(); return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "s" || event.key === "S") { event.preventDefault(); skip(); return; }
    if (event.key === "/" && document.getElementById("risk-filter")) {
      event.preventDefault(); document.getElementById("risk-filter").focus(); return;
    }
    var box = currentFieldset();
    if (!box) { return; }
    var field = config.spec.filter(function (f) { return f.name === box.getAttribute("data-name"); })[0];
    if (event.key === "Backspace" && field && field.type === "ranking") {
      rankings[field.name] = [];
      box.querySelector(".rank-order").textContent = "Order: —";
      event.preventDefault(); return;
    }
    if (!/^[1-9]$/.test(event.key) || !field) { return; }
    var n = parseInt(event.key, 10) - 1;
    event.preventDefault();
    if (field.type === "ranking") { rank(field, n); return; }
    var inputs = box.querySelectorAll("input");
    if (inputs[n]) {
      inputs[n].checked = field.type === "multiple_choice" ? !inputs[n].checked : true;
      inputs[n].focus();
    }
  });

  form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });
  document.getElementById("skip").addEventListener("click", skip);

  // --- clocks ---------------------------------------------------------------------------

  window.setInterval(function () {
    if (lease) {
      var left = Math.max(0, Math.floor((new Date(lease.expires_at).getTime() - Date.now()) / 1000));
      clock.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      if (left === 0) { say("Time for this item ran out; it went back to the pool.", "error"); }
    } else { clock.textContent = "—"; }
    var minutes = (Date.now() - pageOpened) / 60000;
    if (exposure && config.exposureCapMinutes) {
      var used = config.exposureMinutes + (lease ? minutes : 0);
      exposure.textContent = Math.max(0, Math.round(config.exposureCapMinutes - used)) +
        " of " + config.exposureCapMinutes + " min left";
    }
    if (minutes > config.breakReminderMinutes && !root.getAttribute("data-reminded")) {
      root.setAttribute("data-reminded", "yes");
      say("You have worked " + config.breakReminderMinutes + " minutes: take a short break.", "");
    }
  }, 1000);

  next();
})();
