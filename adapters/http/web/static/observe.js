// New observation: the image-consent warning as soon as a child without consent is
// chosen with others, photo previews, upload progress, and a draft that survives a lost
// connection: kept in this browser (IndexedDB, photos included) and sent again, byte for
// byte with the same Idempotency-Key, when the network is back, so it is recorded once.
// Without this script the form still works (a plain multipart post).
"use strict";
(function () {
  var form = document.getElementById("observe");
  var status = document.getElementById("draft-status");
  var bar = document.getElementById("progress");
  var words = document.getElementById("progress-text");

  function say(text) { if (words) { words.textContent = text; } }

  // ---- drafts kept in this browser ---------------------------------------------------
  function withStore(mode, work) {
    return new Promise(function (resolve, reject) {
      var opening = indexedDB.open("journey-drafts", 1);
      opening.onupgradeneeded = function () {
        opening.result.createObjectStore("drafts", { keyPath: "key" });
      };
      opening.onerror = function () { reject(opening.error); };
      opening.onsuccess = function () {
        var tx = opening.result.transaction("drafts", mode);
        var request = work(tx.objectStore("drafts"));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      };
    });
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(16) + Math.random().toString(16).slice(2);
  }
  function draftOf(theForm) {
    var parts = [];
    new FormData(theForm).forEach(function (value, name) {
      if (typeof value === "string") {
        parts.push({ name: name, value: value });
      } else if (value.name) {
        parts.push({ name: name, file: value, filename: value.name.replace(/["\r\n]/g, ""),
                     type: value.type || "application/octet-stream" });
      }
    });
    return { key: newKey(), boundary: "journey" + newKey().replace(/-/g, ""),
             action: theForm.action, parts: parts, saved: Date.now() };
  }
  function bodyOf(draft) {
    var chunks = [];
    draft.parts.forEach(function (p) {
      var head = "--" + draft.boundary + "\r\nContent-Disposition: form-data; name=\"" +
        p.name + "\"";
      if (p.file) { head += "; filename=\"" + p.filename + "\"\r\nContent-Type: " + p.type; }
      chunks.push(head + "\r\n\r\n", p.file || p.value, "\r\n");
    });
    chunks.push("--" + draft.boundary + "--\r\n");
    return new Blob(chunks);
  }
  function show(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var main = page.querySelector("main");
    if (main) {
      document.querySelector("main").replaceWith(document.adoptNode(main));
      document.title = page.title;
    }
    return page;
  }

  var sending = false;
  function send(draft) {
    return new Promise(function (resolve) {
      var request = new XMLHttpRequest();
      request.open("POST", draft.action);
      request.setRequestHeader("Content-Type",
                               "multipart/form-data; boundary=" + draft.boundary);
      request.setRequestHeader("Idempotency-Key", draft.key);
      request.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable || !bar) { return; }
        var percent = Math.round(100 * e.loaded / e.total);
        bar.hidden = false;
        bar.value = percent;
        bar.textContent = percent + "%";
        say("Sending: " + percent + "%");
      });
      request.addEventListener("load", function () {
        // answered: recorded (or refused for good), either way not to be sent again
        withStore("readwrite", function (s) { return s.delete(draft.key); }).then(function () {
          if (request.status < 400) {
            show(request.responseText);
          } else {
            var page = new DOMParser().parseFromString(request.responseText, "text/html");
            var reason = page.querySelector("main p");
            if (bar) { bar.hidden = true; }
            say(reason ? reason.textContent : "Sending failed: " + request.status);
            var button = form && form.querySelector("button[type=submit]");
            if (button) { button.disabled = false; }
          }
          resolve(true);
        });
      });
      request.addEventListener("error", function () {
        if (bar) { bar.hidden = true; }
        say("No network: the observation is kept on this device and will be sent when " +
            "the network is back.");
        resolve(false);
      });
      request.send(bodyOf(draft));
    });
  }
  function sendKept() {
    if (sending || !window.indexedDB) { return; }
    sending = true;
    withStore("readonly", function (s) { return s.getAll(); }).then(function (drafts) {
      var chain = Promise.resolve(true);
      (drafts || []).sort(function (a, b) { return a.saved - b.saved; })
        .forEach(function (draft) {
          chain = chain.then(function (ok) { return ok ? send(draft) : false; });
        });
      return chain;
    }).then(function () { sending = false; }, function () { sending = false; });
  }
  window.addEventListener("online", sendKept);
  sendKept();

  if (!form) { return; }

  // ---- the form ------------------------------------------------------------------------
  var warning = document.getElementById("consent-warning");
  var input = document.getElementById("media");
  var previews = document.getElementById("previews");

  form.addEventListener("change", function (event) {
    if (event.target.name !== "children") { return; }
    var chosen = form.querySelectorAll("input[name=children]:checked");
    var without = Array.prototype.filter.call(chosen, function (box) {
      return box.hasAttribute("data-no-consent");
    });
    warning.hidden = !(without.length && chosen.length > 1);
  });

  input.addEventListener("change", function () {
    while (previews.firstChild) { previews.removeChild(previews.firstChild); }
    Array.prototype.forEach.call(input.files, function (file, index) {
      if (file.type.indexOf("image/") !== 0) { return; }
      var img = document.createElement("img");
      img.alt = "Chosen photo " + (index + 1);
      img.src = URL.createObjectURL(file);
      previews.appendChild(img);
    });
  });

  form.addEventListener("submit", function (event) {
    if (!form.checkValidity() || !window.indexedDB || !window.Blob) { return; }
    event.preventDefault();
    form.querySelector("button[type=submit]").disabled = true;
    var draft = draftOf(form);
    withStore("readwrite", function (s) { return s.put(draft); }).then(function () {
      if (status) { status.hidden = false; }
      return send(draft);
    }, function () {
      form.submit();  // no storage here: the plain form
    });
  });
})();
