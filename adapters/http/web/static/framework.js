// New observation: each "Aspect" list shows only the aspects of the area chosen beside
// it (all of them while no area is chosen). Without this script every aspect is listed,
// grouped by area.
"use strict";
(function () {
  document.querySelectorAll('select[name="area"]').forEach(function (area) {
    var aspect = document.getElementById(area.id.replace("area-", "aspect-"));
    if (!aspect) { return; }
    function onlyThisArea() {
      aspect.querySelectorAll("optgroup").forEach(function (group) {
        var shown = !area.value || group.dataset.area === area.value;
        group.hidden = !shown;
        group.disabled = !shown;
      });
      var chosen = aspect.selectedOptions[0];
      if (chosen && chosen.parentElement.disabled) { aspect.value = ""; }
    }
    area.addEventListener("change", onlyThisArea);
    onlyThisArea();
  });
})();
