// Small behaviours of the portal. No inline scripts anywhere (Content-Security-Policy).
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the main content when the skip link is used, for screen readers.
  const skip = document.querySelector('#krds-skip-link a[href="#main-content"]');
  const main = document.getElementById("main-content");
  if (skip && main) {
    skip.addEventListener("click", () => main.focus());
  }
});
