// New observation: the image-consent warning as soon as a child without consent is
// chosen, photo previews, upload progress. Without this script the form still works.
"use strict";
(function () {
  var form = document.getElementById("observe");
  if (!form) { return; }
  var warning = document.getElementById("consent-warning");
  var input = document.getElementById("media");
  var previews = document.getElementById("previews");
  var bar = document.getElementById("progress");
  var words = document.getElementById("progress-text");

  function checkConsent() {
    var chosen = form.querySelectorAll("input[name=children]:checked");
    var without = Array.prototype.filter.call(chosen, function (box) {
      return box.hasAttribute("data-no-consent");
    });
    warning.hidden = !(without.length && chosen.length > 1);
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "children") { checkConsent(); }
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
    if (!form.checkValidity() || !window.FormData) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) { return; }
      var percent = Math.round(100 * e.loaded / e.total);
      bar.hidden = false;
      bar.value = percent;
      bar.textContent = percent + "%";
      words.textContent = "Sending: " + percent + "%";
    });
    request.addEventListener("load", function () {
      var page = new DOMParser().parseFromString(request.responseText, "text/html");
      var main = page.querySelector("main");
      if (request.status < 400 && main) {
        document.querySelector("main").replaceWith(document.adoptNode(main));
        document.title = page.title;
      } else {
        var reason = page.querySelector("main p");
        button.disabled = false;
        bar.hidden = true;
        words.textContent = reason ? reason.textContent : "Sending failed; please try again.";
      }
    });
    request.addEventListener("error", function () {
      button.disabled = false;
      words.textContent = "Sending failed: check the connection and try again.";
    });
    request.send(new FormData(form));
  });
})();
