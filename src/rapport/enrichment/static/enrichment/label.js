/* The labelling queue by keyboard: 1/2/3 choose the sentiment of the comment in focus, Enter
   confirms it, and after Confirm the focus moves to the next comment's first control (the
   saved card replaces the form, which would otherwise drop the focus to the page). Keys typed
   into a text box, a select or with a modifier are left alone. The page works without it. */
(function () {
  "use strict";
  var SENTIMENTS = ["negative", "neutral", "positive"];
  var TYPING = "textarea, select, [contenteditable], input:not([type=checkbox]):not([type=radio])";
  var lastCard = null;

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll("#label-queue > li.card"));
  }

  function currentCard() {
    var active = document.activeElement;
    var card = active && active.closest ? active.closest("#label-queue > li.card") : null;
    if (card && card.querySelector("form")) return card;
    return cards().filter(function (c) { return c.querySelector("form"); })[0] || null;
  }

  function firstControl(card) {
    return card.querySelector("form input:not([type=hidden]), form button");
  }

  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("label-queue")) return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (target && target.matches && target.matches(TYPING)) return;
    var card = currentCard();
    if (!card) return;
    var index = ["1", "2", "3"].indexOf(event.key);
    if (index >= 0) {
      var radio = card.querySelector('input[name=sentiment][value="' + SENTIMENTS[index] + '"]');
      if (radio) {
        radio.checked = true;
        radio.focus();
        event.preventDefault();
      }
    } else if (event.key === "Enter" && !(target && target.matches && target.matches("button, a"))) {
      event.preventDefault();
      card.querySelector("form").requestSubmit();
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var card = event.target.closest && event.target.closest("#label-queue > li.card");
    if (card) lastCard = card.id;
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!lastCard) return;
    var saved = document.getElementById(lastCard);
    lastCard = null;
    if (!saved) return;
    var next = saved.nextElementSibling;
    while (next && !next.querySelector("form")) next = next.nextElementSibling;
    next = next || currentCard();  /* after the last: a comment skipped earlier, if any */
    var control = next ? firstControl(next) : null;
    if (control) {
      control.focus();
    } else {
      saved.setAttribute("tabindex", "-1");
      saved.focus();  /* the last comment: stay on what was just saved */
    }
  });
})();
