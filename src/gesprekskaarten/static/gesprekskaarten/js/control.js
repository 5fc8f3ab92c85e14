/* The facilitator's control page: "End the gesprek…" opens a dialog that says what happens
   and asks to confirm. Without JavaScript (or without <dialog>) the link opens the same
   question on a page of its own. Nothing is ended in one click. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-end-dialog]");
    if (link) {
      var dialog = document.getElementById(link.getAttribute("data-end-dialog"));
      if (!dialog || typeof dialog.showModal !== "function") return;
      event.preventDefault();
      dialog.showModal();
      return;
    }
    var close = event.target.closest("[data-close-dialog]");
    if (close) close.closest("dialog").close();
  });
})();
