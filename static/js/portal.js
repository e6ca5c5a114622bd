// Small behaviours of the portal. No inline scripts anywhere (Content-Security-Policy).
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the main content when the skip link is used, for screen readers.
  const skip = document.querySelector('#krds-skip-link a[href="#main-content"]');
  const main = document.getElementById("main-content");
  if (skip && main) {
    skip.addEventListener("click", () => main.focus());
  }

  // KRDS's mobile main menu (ui-script.js opens and closes it): say whether it is open, and
  // close it with Escape as any dialog.
  const menu = document.getElementById("mobile-nav");
  const opener = document.querySelector('[aria-controls="mobile-nav"]');
  const closer = document.getElementById("close-nav");
  if (menu && opener && closer) {
    opener.addEventListener("click", () => opener.setAttribute("aria-expanded", "true"));
    closer.addEventListener("click", () => opener.setAttribute("aria-expanded", "false"));
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        closer.click();
      }
    });
  }

  // A form answered with errors: focus its error summary, so that it is read out and seen first.
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
