/* The grouping page (meetings/themes/grouping.html): when live.js swaps in the notes because a
   new one came in, the keyboard focus stays where it was. The element that had it was
   replaced; its twin with the same id gets the focus back, so a keyboard user ticking notes
   does not start again at the top of the page. Without this file the page works the same,
   and without JavaScript it does not change by itself. */
(function () {
  "use strict";

  var focusedId = null;
  document.addEventListener("focusin", function (event) {
    focusedId = event.target.id || null;
  });
  // A click or tap elsewhere is a choice to leave: forget it (focusin follows if it lands
  // on something that takes the focus). Not on focusout: removing an element can fire it.
  document.addEventListener("pointerdown", function () {
    focusedId = null;
  });

  new MutationObserver(function () {
    if (!focusedId || (document.activeElement && document.activeElement !== document.body)) return;
    var twin = document.getElementById(focusedId);
    if (twin) twin.focus({ preventScroll: true });
  }).observe(document.body, { childList: true, subtree: true });
})();
