/* A gesprek's card: offer this device's solo preparation (prepare.js keeps it; see
   docs/solo-preparation.md). Only when the person presses "Use my preparation" are the answers
   filled in; live.js's autosave then sends each changed behaviour as a tap would. Kept apart
   from prepare.js so that a participant's page stays light. */
(function () {
  "use strict";

  var CHOICES = ["recognised", "missing", "unsure"];

  function marksFor(form) {
    try {
      var marks = JSON.parse(window.localStorage.getItem("gk-prepare:" +
        form.getAttribute("data-prepare-deck") + ":" + form.getAttribute("data-prepare-version")));
      return marks && typeof marks === "object" ? marks : {};
    } catch (error) {
      return {}; // no storage, or nothing readable: nothing to offer
    }
  }

  function offer(form) {
    if (form.hasAttribute("data-prepare-offered")) return;
    form.setAttribute("data-prepare-offered", "");
    var marks = marksFor(form);
    var usable = [];
    form.querySelectorAll("fieldset[data-prepare-key]").forEach(function (fieldset) {
      var mark = marks[fieldset.getAttribute("data-prepare-key")] || {};
      var choice = CHOICES.indexOf(mark.choice) >= 0 ? mark.choice : "";
      if (choice || mark.discuss === true) usable.push([fieldset, choice, mark.discuss === true]);
    });
    if (!usable.length) return;
    var box = document.createElement("div");
    var text = document.createElement("p");
    var button = document.createElement("button");
    box.className = "gk-prepare-offer";
    text.className = "utrecht-paragraph";
    text.setAttribute("role", "status");
    text.textContent = form.getAttribute("data-prepare-offer");
    button.type = "button";
    button.className = "utrecht-button utrecht-button--secondary-action gk-button";
    button.textContent = form.getAttribute("data-prepare-use");
    box.appendChild(text);
    box.appendChild(button);
    form.insertBefore(box, form.querySelector("fieldset, h2"));
    button.addEventListener("click", function () {
      usable.forEach(function (item) {
        var changed = null;
        item[0].querySelectorAll("input[type=radio]").forEach(function (radio) {
          var on = radio.value === item[1];
          if (radio.checked !== on) changed = radio;
          radio.checked = on;
        });
        var tick = item[0].querySelector("input[type=checkbox]");
        if (tick && tick.checked !== item[2]) {
          tick.checked = item[2];
          changed = tick;
        }
        if (changed) changed.dispatchEvent(new Event("change", { bubbles: true }));
      });
      text.textContent = form.getAttribute("data-prepare-used");
      box.removeChild(button);
      form.querySelector("fieldset input").focus();
    });
  }

  function offerAll() {
    document.querySelectorAll("form[data-autosave][data-prepare-deck]").forEach(offer);
  }

  document.addEventListener("DOMContentLoaded", function () {
    offerAll();
    // live.js swaps the page's <main> when the gesprek moves on: offer again on a new card.
    new MutationObserver(offerAll).observe(document.body, { childList: true });
  });
})();
