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
  document.addEventListener("focusout", function (event) {
    // Focus moved to nothing on purpose (the element is still on the page): forget it.
    if (!event.relatedTarget && event.target.isConnected) focusedId = null;
  });

  new MutationObserver(function () {
    if (!focusedId || (document.activeElement && document.activeElement !== document.body)) return;
    var twin = document.getElementById(focusedId);
    if (twin) twin.focus({ preventScroll: true });
  }).observe(document.body, { childList: true, subtree: true });
})();
