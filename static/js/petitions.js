// Citizen journey: confirmation before deleting a draft, and one click per submit.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // The server files a petition once whatever happens; this only spares a second wait.
    var button = form.querySelector("[data-submit-once]");
    if (button) {
      if (button.getAttribute("aria-disabled") === "true") {
        event.preventDefault();
        return;
      }
      button.setAttribute("aria-disabled", "true");
    }
  });
})();
