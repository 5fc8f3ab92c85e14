/* Gesprekskaarten live pages: follow the gesprek over Server-Sent Events and save answers as
   they change. Everything also works without this file (forms post, pages refresh). */
(function () {
  "use strict";

  function fill(template, data) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return key in data ? String(data[key]) : "";
    });
  }

  function showProgress(data) {
    document.querySelectorAll("[data-live-progress]").forEach(function (box) {
      var text = box.querySelector(".gk-progress__text");
      var bar = box.querySelector("progress");
      if (text) text.textContent = fill(box.getAttribute("data-template"), data);
      if (bar) {
        bar.max = Math.max(data.total, 1);
        bar.value = data.done;
      }
    });
    if ("participants" in data) {
      document.querySelectorAll("[data-live-participants]").forEach(function (el) {
        el.textContent = String(data.participants);
      });
    }
  }

  /* Load the page again with a GET: location.reload() would send a POST again when this
     page is the answer to a refused form. */
  function reload() {
    if (leaving) return;  // a fetch cut off because the person goes elsewhere: let them
    window.location.assign(window.location.href.split("#")[0]);  // same address + "#" would only scroll
  }
  var leaving = false;
  window.addEventListener("beforeunload", function () { leaving = true; });
  window.addEventListener("pageshow", function () { leaving = false; });

  function fetchPage() {
    return fetch(window.location.href, {
      credentials: "same-origin",
      headers: { "Accept": "text/html" },
    }).then(function (response) {
      return response.text().then(function (html) {
        return { url: response.url, doc: new DOMParser().parseFromString(html, "text/html") };
      });
    });
  }

  /* Parts of the page changed (notes, timer): fetch the page and swap only those parts, so
     a note being typed is not lost. */
  function refreshRegions(ids) {
    fetchPage()
      .then(function (page) {
        var complete = ids.every(function (id) {
          var fresh = page.doc.getElementById(id);
          var old = document.getElementById(id);
          if (!fresh || !old) return false;
          old.replaceWith(fresh);
          return true;
        });
        if (!complete) refresh();
        startTimers();
      })
      .catch(refresh);
  }

  /* A countdown for a running timer; the server-rendered end time stays the fallback. It is
     announced to screen readers once a minute and when the time is up, not every second. */
  var timerTick = null;
  function startTimers() {
    if (timerTick) window.clearInterval(timerTick);
    var box = document.querySelector("[data-timer-ends]");
    if (!box) return;
    var ends = Date.parse(box.getAttribute("data-timer-ends"));
    var announce = document.querySelector("[data-timer-announce]");
    var lastMinute = null;
    function tick() {
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      var time = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (left === 0) {
        box.textContent = box.getAttribute("data-done-text");
        if (announce) announce.textContent = box.textContent;
        box.classList.add("gk-timer__text--done");
        window.clearInterval(timerTick);
        return;
      }
      box.textContent = fill(box.getAttribute("data-running-text"), { time: time });
      if (announce && minutes !== lastMinute && seconds === 0) announce.textContent = box.textContent;
      lastMinute = minutes;
    }
    tick();
    timerTick = window.setInterval(tick, 1000);
  }

  /* Fetch the page again and swap its main content in place: the screen follows the
     facilitator without a reload, and the address follows a redirect (e.g. card -> results). */
  function refresh() {
    fetchPage()
      .then(function (page) {
        var doc = page.doc;
        var fresh = doc.querySelector("main");
        var main = document.querySelector("main");
        if (!fresh || !main) return reload();
        var hadFocus = main.contains(document.activeElement);
        main.replaceWith(fresh);
        document.title = doc.title;
        if (page.url !== window.location.href) window.history.replaceState(null, "", page.url);
        if (hadFocus || document.activeElement === document.body) fresh.focus();
        fresh.querySelectorAll("form[data-autosave]").forEach(autosave);
        startTimers();
      })
      .catch(reload);
  }

  function follow(url) {
    if (!url || !window.EventSource) return;
    var source = new EventSource(url);
    source.addEventListener("step", refresh);
    source.addEventListener("refresh", refresh);
    source.addEventListener("update", function (event) {
      refreshRegions(JSON.parse(event.data).regions || []);
    });
    source.addEventListener("progress", function (event) {
      showProgress(JSON.parse(event.data));
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  /* Save each change as it happens. Saves go one at a time, in order, and each sends the
     behaviour's state at that moment: quick taps on one behaviour end with the last tap
     stored, never an earlier one overtaking it on another connection. */
  function autosave(form) {
    var url = form.getAttribute("data-answer-url");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var announce = form.querySelector("[data-announce]");
    var queue = Promise.resolve();
    var queued = {};

    function save(fieldset) {
      queued[fieldset.getAttribute("data-behaviour")] = false;
      var checked = fieldset.querySelector("input[type=radio]:checked");
      var body = new URLSearchParams();
      body.set("csrfmiddlewaretoken", token);
      body.set("behaviour", fieldset.getAttribute("data-behaviour"));
      body.set("choice", checked ? checked.value : "");
      if (fieldset.querySelector("input[type=checkbox]").checked) body.set("discuss", "on");
      var status = fieldset.querySelector("[data-status]");
      return fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token, "Accept": "application/json" },
      })
        .then(function (response) {
          return response.json().then(function (data) {
            if (!response.ok) throw new Error(data.error || "");
          });
        })
        .then(function () {
          status.textContent = form.getAttribute("data-saved-text");
          status.classList.add("gk-mark__status--saved");
          announce.textContent = form.getAttribute("data-saved-text");
        })
        .catch(function (error) {
          status.textContent = error.message || form.getAttribute("data-error-text");
          status.classList.add("gk-mark__status--error");
          announce.textContent = status.textContent;
        });
    }

    form.addEventListener("change", function (event) {
      var fieldset = event.target.closest("[data-behaviour]");
      if (!fieldset) return;
      var status = fieldset.querySelector("[data-status]");
      status.textContent = "";
      status.className = "gk-mark__status";
      var id = fieldset.getAttribute("data-behaviour");
      if (queued[id]) return; // the save waiting in the queue will send the newest state
      queued[id] = true;
      queue = queue.then(function () { return save(fieldset); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var meta = document.querySelector("meta[name=gk-stream]");
    follow(meta && meta.getAttribute("content"));
    document.querySelectorAll("form[data-autosave]").forEach(autosave);
    startTimers();
  });
})();
