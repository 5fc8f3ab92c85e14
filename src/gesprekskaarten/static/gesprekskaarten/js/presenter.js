/* The presenter screen (a projector): a full-screen button, and paging through the results
   with the keys a presentation clicker sends (ArrowLeft/ArrowRight, PageUp/PageDown).

   The pages are all in the server-rendered page; the one the control page chose last
   (Gesprek.presenter_page) is shown when the page loads. The keys here page locally, without
   posting anything; when the facilitator pages from the control page, the `page` event makes
   live.js fetch this page again and it shows the page chosen there. Without JavaScript the
   page shows the control page's choice and refreshes itself. */
(function () {
  "use strict";

  var NEXT = { ArrowRight: 1, PageDown: 1, ArrowDown: 1 };
  var PREVIOUS = { ArrowLeft: -1, PageUp: -1, ArrowUp: -1 };

  function show(slides, number) {
    var total = Number(slides.getAttribute("data-pages"));
    number = Math.max(0, Math.min(total - 1, number));
    slides.setAttribute("data-page", String(number));
    slides.querySelectorAll("[data-slide]").forEach(function (slide) {
      slide.hidden = Number(slide.getAttribute("data-slide")) !== number;
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var slides = document.querySelector("[data-slides]");
    if (!slides) return;
    var page = Number(slides.getAttribute("data-page"));
    var move = NEXT[event.key] || PREVIOUS[event.key];
    if (event.key === "Home") page = 0;
    else if (event.key === "End") page = Number(slides.getAttribute("data-pages")) - 1;
    else if (move) page += move;
    else return;
    event.preventDefault();
    show(slides, page);
  });

  function setUpFullscreen() {
    var button = document.querySelector("[data-fullscreen]");
    if (!button || !document.fullscreenEnabled) return;
    function label() {
      var full = Boolean(document.fullscreenElement);
      button.textContent = button.getAttribute(full ? "data-leave-text" : "data-enter-text");
      button.setAttribute("aria-pressed", full ? "true" : "false");
    }
    button.hidden = false;
    label();
    button.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(function () {});
    });
    document.addEventListener("fullscreenchange", label);
  }

  document.addEventListener("DOMContentLoaded", setUpFullscreen);
})();
