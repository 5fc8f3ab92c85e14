/* Gesprekskaarten solo preparation: the marks stay in this browser (localStorage) and are
   never sent to the server. See docs/solo-preparation.md.

   - Solo card pages (form[data-prepare-form]): each change is kept on the device; the buttons
     go to the next page with a plain GET instead of posting the form.
   - The picture (div[data-prepare-picture]): filled in from the marks on the device.
   - A gesprek's card offers "Use my preparation": prepare-use.js, kept apart to stay light.
   - "Forget my preparation" removes every preparation from the device.

   Marks are kept per deck and deck version, under "gk-prepare:<deck>:<version>", as
   {"<principle slug>/<behaviour key>": {"choice": "recognised", "discuss": true}}. A new deck
   version has a key of its own, so an answer never lands on another behaviour.
   Without this file (or without storage) the forms post and the marks travel in them. */
(function () {
  "use strict";

  var PREFIX = "gk-prepare:";
  var CHOICES = ["recognised", "missing", "unsure"];

  function deviceStorage() {
    try {
      var storage = window.localStorage;
      storage.setItem(PREFIX + "test", "1");
      storage.removeItem(PREFIX + "test");
      return storage;
    } catch (error) {
      return null;
    }
  }

  var store = deviceStorage();
  if (!store) return; // no storage (a private window may refuse it): the forms carry the marks

  function keyOf(element) {
    return PREFIX + element.getAttribute("data-prepare-deck") + ":" +
      element.getAttribute("data-prepare-version");
  }

  function load(key) {
    try {
      var marks = JSON.parse(store.getItem(key) || "{}");
      return marks && typeof marks === "object" && !Array.isArray(marks) ? marks : {};
    } catch (error) {
      return {};
    }
  }

  function keep(key, marks) {
    try {
      if (Object.keys(marks).length) store.setItem(key, JSON.stringify(marks));
      else store.removeItem(key);
      return true;
    } catch (error) {
      return false;
    }
  }

  /* A stored mark as it may be used: only known answers; null when there is nothing. */
  function valid(mark) {
    if (!mark || typeof mark !== "object") return null;
    var choice = CHOICES.indexOf(mark.choice) >= 0 ? mark.choice : "";
    var discuss = mark.discuss === true;
    return choice || discuss ? { choice: choice, discuss: discuss } : null;
  }

  function markOf(fieldset) {
    var checked = fieldset.querySelector("input[type=radio]:checked");
    var box = fieldset.querySelector("input[type=checkbox]");
    return valid({ choice: checked ? checked.value : "", discuss: !!(box && box.checked) });
  }

  /* Put a mark in a fieldset; true when something changed. */
  function fill(fieldset, mark) {
    var changed = false;
    fieldset.querySelectorAll("input[type=radio]").forEach(function (radio) {
      var on = !!mark && radio.value === mark.choice;
      if (radio.checked !== on) changed = true;
      radio.checked = on;
    });
    var box = fieldset.querySelector("input[type=checkbox]");
    if (box) {
      var on = !!mark && mark.discuss;
      if (box.checked !== on) changed = true;
      box.checked = on;
    }
    return changed;
  }

  /* --- A solo card ------------------------------------------------------------------------ */
  function soloCard(form) {
    var key = keyOf(form);
    var stored = load(key);
    var announce = form.querySelector("[data-announce]");
    form.querySelectorAll("fieldset[data-prepare-key]").forEach(function (fieldset) {
      fill(fieldset, valid(stored[fieldset.getAttribute("data-prepare-key")]));
    });
    form.addEventListener("change", function (event) {
      var fieldset = event.target.closest("[data-prepare-key]");
      if (!fieldset) return;
      var marks = load(key);
      var mark = markOf(fieldset);
      if (mark) marks[fieldset.getAttribute("data-prepare-key")] = mark;
      else delete marks[fieldset.getAttribute("data-prepare-key")];
      var ok = keep(key, marks);
      var status = fieldset.querySelector("[data-status]");
      status.textContent = form.getAttribute(ok ? "data-saved-text" : "data-error-text");
      status.className = "gk-mark__status gk-mark__status--" + (ok ? "saved" : "error");
      if (announce) announce.textContent = status.textContent;
    });
    /* The buttons lead on with a plain GET: the marks stay here. */
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      var to = (button && button.getAttribute("formaction")) || form.getAttribute("action");
      event.preventDefault();
      window.location.assign(to);
    });
  }

  /* --- The picture ------------------------------------------------------------------------ */
  var SVG = "http://www.w3.org/2000/svg";

  function drawBar(svg, counts) {
    if (!svg) return;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var answered = counts.recognised + counts.missing + counts.unsure;
    var x = 0;
    CHOICES.forEach(function (name) {
      var width = answered ? (100 * counts[name]) / answered : 0;
      if (width) {
        var rect = document.createElementNS(SVG, "rect");
        rect.setAttribute("class", "gk-bar__" + name);
        rect.setAttribute("x", x.toFixed(2));
        rect.setAttribute("width", width.toFixed(2));
        rect.setAttribute("y", "0");
        rect.setAttribute("height", "6");
        svg.appendChild(rect);
      }
      x += width;
    });
  }

  function picture(root) {
    var marks = load(keyOf(root));
    var total = 0;
    var list = root.querySelector("[data-prepare-discuss-list]");
    while (list.firstChild) list.removeChild(list.firstChild);
    root.querySelectorAll("[data-prepare-card]").forEach(function (card) {
      var counts = { recognised: 0, missing: 0, unsure: 0, discuss: 0 };
      var title = card.querySelector("h2");
      card.querySelectorAll("[data-prepare-key]").forEach(function (item) {
        var mark = valid(marks[item.getAttribute("data-prepare-key")]);
        item.hidden = !mark;
        if (!mark) return;
        total += 1;
        item.querySelector("[data-prepare-choice]").textContent =
          root.getAttribute("data-label-" + (mark.choice || "none"));
        item.querySelector("[data-prepare-discuss]").hidden = !mark.discuss;
        if (mark.choice) counts[mark.choice] += 1;
        if (mark.discuss) {
          counts.discuss += 1;
          var entry = document.createElement("li");
          entry.className = "utrecht-unordered-list__item";
          var text = item.querySelector(".gk-result__text");
          var what = document.createElement("span");
          what.textContent = text.textContent;
          what.lang = text.lang;
          var from = document.createElement("span");
          from.className = "gk-solo-from";
          from.textContent = "(" + title.textContent + ")";
          from.lang = title.lang;
          entry.appendChild(what);
          entry.appendChild(document.createTextNode(" "));
          entry.appendChild(from);
          list.appendChild(entry);
        }
      });
      var numbers = card.querySelectorAll(".gk-counts dd");
      ["recognised", "missing", "unsure", "discuss"].forEach(function (name, index) {
        if (numbers[index]) numbers[index].textContent = String(counts[name]);
      });
      drawBar(card.querySelector("svg.gk-bar"), counts);
      card.querySelector("[data-prepare-card-empty]").hidden =
        counts.recognised + counts.missing + counts.unsure + counts.discuss > 0;
    });
    root.querySelector("[data-prepare-empty]").hidden = total > 0;
    root.querySelector("[data-prepare-discuss-none]").hidden = list.children.length > 0;
    root.querySelectorAll("[data-prepare-change]").forEach(function (link) {
      if (!link.hasAttribute("data-start-text")) link.setAttribute("data-start-text", link.textContent);
      link.textContent = link.getAttribute(total ? "data-prepare-change" : "data-start-text");
    });
  }

  /* --- Forget, print ---------------------------------------------------------------------- */
  function forgetAll() {
    var keys = [];
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) keys.push(key);
    }
    keys.forEach(function (key) { store.removeItem(key); });
  }

  function tools(root) {
    root.querySelectorAll("[data-prepare-forget-box]").forEach(function (box) {
      box.hidden = false;
      var status = box.querySelector("[data-prepare-forgotten]");
      box.querySelector("[data-prepare-forget]").addEventListener("click", function () {
        forgetAll();
        status.textContent = status.getAttribute("data-prepare-forgotten");
        root.querySelectorAll("[data-prepare-picture]").forEach(picture);
        root.querySelectorAll("form[data-prepare-form] fieldset[data-prepare-key]")
          .forEach(function (fieldset) { fill(fieldset, null); });
      });
    });
    root.querySelectorAll("[data-prepare-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function start() {
    document.querySelectorAll("form[data-prepare-form]").forEach(soloCard);
    document.querySelectorAll("[data-prepare-picture]").forEach(picture);
    tools(document);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
