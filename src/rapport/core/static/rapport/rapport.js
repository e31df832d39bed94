/* Rapport's own script: small enhancements; every page works without it. */
(function () {
  "use strict";

  /* Phones: the Menu button folds and unfolds the navigation (a disclosure button). */
  function setUpMenu() {
    var bar = document.querySelector(".topbar");
    var toggle = bar && bar.querySelector(".menu-toggle");
    if (!toggle) return;
    toggle.addEventListener("click", function () {
      var open = bar.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  /* A table that scrolls sideways must be reachable by keyboard and named for screen
     readers (WCAG 2.1.1): the wrapper becomes a focusable region named after its table's
     caption or the nearest heading before it. */
  function nameScrollRegions(root) {
    root.querySelectorAll(".table-wrap, .table-scroll").forEach(function (wrap) {
      if (wrap.hasAttribute("tabindex")) return;
      var caption = wrap.querySelector("caption");
      var name = caption ? caption.textContent : "";
      if (!name) {
        var section = wrap.closest("section, article, main");
        var heading = section && section.querySelector("h1, h2, h3");
        name = heading ? heading.textContent : "Table";
      }
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", name.trim().replace(/\s+/g, " ") + " (table)");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    nameScrollRegions(document);
  });
  /* Tables that HTMX swaps in later get the same treatment. */
  document.addEventListener("htmx:afterSwap", function (event) {
    nameScrollRegions(event.target.parentNode || document);
  });
})();
