// Verification page: shows a typed code in groups of four as the printed code is, so that
// it is easy to compare; the server accepts any spacing and case anyway.
(function () {
  "use strict";
  function format(value) {
    var cleaned = value.toUpperCase().replace(/[^0-9A-Z]/g, "").slice(0, 20);
    return cleaned.replace(/(.{4})(?=.)/g, "$1-");
  }
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector(".documents-code-form input[name=code]");
    if (!input) return;
    input.addEventListener("blur", function () {
      if (input.value) input.value = format(input.value);
    });
  });
})();
