// Contribute from home: previews of the chosen photos, and upload progress. Without
// this script the form still works (a plain multipart post).
"use strict";
(function () {
  var form = document.getElementById("contribute");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var input = document.getElementById("photos");
  var previews = document.getElementById("previews");
  var bar = document.getElementById("progress");
  var words = document.getElementById("progress-text");

  input.addEventListener("change", function () {
    while (previews.firstChild) { previews.removeChild(previews.firstChild); }
    Array.prototype.forEach.call(input.files, function (file, index) {
      var img = document.createElement("img");
      img.alt = "Chosen photo " + (index + 1);
      img.src = URL.createObjectURL(file);
      img.addEventListener("load", function () { URL.revokeObjectURL(img.src); });
      previews.appendChild(img);
    });
  });

  form.addEventListener("submit", function (event) {
    if (!form.checkValidity()) { return; }
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
      if (request.status < 400 && request.responseURL) {
        window.location.assign(request.responseURL);
      } else {
        var page = new DOMParser().parseFromString(request.responseText, "text/html");
        var reason = page.querySelector("main p");
        button.disabled = false;
        bar.hidden = true;
        words.textContent = reason ? reason.textContent : "Sending failed; please try again.";
      }
    });
    request.addEventListener("error", function () {
      button.disabled = false;
      words.textContent = "Sending failed: check your connection and try again.";
    });
    request.send(new FormData(form));
  });
})();
