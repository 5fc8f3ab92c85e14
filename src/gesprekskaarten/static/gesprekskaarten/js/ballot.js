/* The dot-vote ballot (meetings/votes/_ballot.html): +/- buttons next to each number field,
   and the "dots left" line kept up to date while you choose. Without this file the number
   fields and the server's checks do the same job.

   Events are handled on the document: live.js swaps the ballot in from events and then fills
   in the person's own dots (`personalize`), so a ballot may appear at any time. When one
   appears, its "dots left" line is counted again from the fields, exactly as the server
   counts it for a fresh page (BallotForm.left). */
(function () {
  "use strict";

  var BALLOT = "form.gk-ballot";
  var FIELDS = "input[type=number]";

  document.documentElement.classList.add("gk-ballot-js");  // shows the +/- buttons (CSS)

  function fill(template, data) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return key in data ? String(data[key]) : "";
    });
  }

  function valueOf(input) {
    var value = Number(input.value.trim() || 0);
    return Number.isInteger(value) && value > 0 ? value : 0;
  }

  function count(form) {
    var line = form.querySelector(".gk-ballot__left");
    var dots = line ? Number(line.getAttribute("data-dots")) : 0;
    var placed = 0;
    form.querySelectorAll(FIELDS).forEach(function (input) { placed += valueOf(input); });
    return { line: line, dots: dots, placed: placed, left: dots - placed };
  }

  function show(form) {
    var state = count(form);
    if (!state.line) return state;
    var template = state.left >= 0 ? "data-left-template" : "data-over-template";
    var text = fill(state.line.getAttribute(template), state);
    if (state.line.textContent !== text) state.line.textContent = text;
    return state;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-step]");
    var form = button && button.closest(BALLOT);
    if (!form) return;
    var input = document.getElementById(button.getAttribute("aria-controls"));
    if (!input) return;
    var step = Number(button.getAttribute("data-step"));
    var state = count(form);
    var value = valueOf(input);
    if (step > 0 && state.left < step) {
      // Nothing to spend: say so, change nothing.
      state.line.textContent = state.line.getAttribute("data-none-left");
      return;
    }
    input.value = String(Math.max(value + step, 0));
    show(form);
  });

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest(BALLOT);
    if (form && event.target.matches(FIELDS)) show(form);
  });

  /* More dots than you have are never sent: the line says how many too many. */
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest(BALLOT);
    if (!form) return;
    var state = show(form);
    if (state.left >= 0) return;
    event.preventDefault();
    var first = Array.prototype.find.call(form.querySelectorAll(FIELDS), function (input) {
      return valueOf(input) > 0;
    });
    if (first) first.focus();
  });

  function showAll(root) {
    if (root.matches && root.matches(BALLOT)) show(root);
    if (root.querySelectorAll) root.querySelectorAll(BALLOT).forEach(show);
  }

  showAll(document);
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(showAll);
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
