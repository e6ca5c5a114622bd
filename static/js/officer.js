// Officer workspace: "choose all" for the bulk assignment. Works without it too (one box at a time).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var all = document.getElementById("officer-pick-all");
    if (!all) { return; }
    var boxes = function () { return document.querySelectorAll("input.officer-pick"); };
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
    });
    document.addEventListener("change", function (event) {
      if (!event.target.classList || !event.target.classList.contains("officer-pick")) { return; }
      var list = Array.prototype.slice.call(boxes());
      all.checked = list.length > 0 && list.every(function (box) { return box.checked; });
    });
  });
})();
