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

  // KRDS fixes the header bar to the top of the screen once the page is scrolled (ui-script.js
  // marks #wrap "scroll-down" or "scroll-up"), which takes the bar out of the page's flow: without
  // its place kept, everything below jumped up by the bar's height as the reader scrolled, and a
  // tap meant for a button landed beside it. The header keeps the height it has with the bar in
  // it, measured again whenever the bar is back in the flow or changes size (a phone turned).
  const header = document.getElementById("krds-header");
  const bar = header && header.querySelector(".header-in");
  const wrap = document.getElementById("wrap");
  if (bar && wrap && "ResizeObserver" in window) {
    const keepPlace = () => {
      if (getComputedStyle(bar).position === "fixed") {
        return;
      }
      header.style.minHeight = "";
      header.style.minHeight = `${header.offsetHeight}px`;
    };
    new ResizeObserver(keepPlace).observe(bar);
    new MutationObserver(keepPlace).observe(wrap, { attributes: true, attributeFilter: ["class"] });
  }

  // A form answered with errors: focus its error summary, so that it is read out and seen first.
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
