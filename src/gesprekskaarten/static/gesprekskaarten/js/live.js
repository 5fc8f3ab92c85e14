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
  window.addEventListener("beforeunload", function () {
    leaving = true;
    // A download (the calendar file, a report) fires beforeunload but the page stays: if it is
    // still here a little later, it is not being left.
    window.setTimeout(function () { leaving = false; }, 3000);
  });
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

  /* A box ticked (or unticked) before the swap stays so after it: same name and value (the
     notes ticked on the grouping page while a new note comes in). */
  function keepChecked(old, fresh) {
    var was = {};
    old.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      was[box.name + "\n" + box.value] = box.checked;
    });
    fresh.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      var key = box.name + "\n" + box.value;
      if (key in was) box.checked = was[key];
    });
  }

  /* Parts of the page changed and the event names them only (the facilitator's screens):
     fetch the page and swap only those parts, so a note being typed is not lost. A page
     that lists the only regions it ever shows (the grouping page) ignores the others. */
  function refreshRegions(ids) {
    var only = document.querySelector("meta[name=gk-live-regions]");
    if (only) {
      var mine = only.getAttribute("content").split(" ");
      if (!ids.some(function (id) { return mine.indexOf(id) >= 0; })) return;
    }
    fetchPage()
      .then(function (page) {
        var complete = ids.every(function (id) {
          var fresh = page.doc.getElementById(id);
          var old = document.getElementById(id);
          if (!fresh || !old) return false;
          keepChecked(old, fresh);
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
        /* Only a redirect changes the address (a fetched URL has no #fragment): a rewrite
           would drop the fragment and is a navigation of its own. */
        if (page.url !== window.location.href.split("#")[0]) {
          window.history.replaceState(null, "", page.url);
        }
        if (hadFocus || document.activeElement === document.body) fresh.focus();
        fresh.querySelectorAll("form[data-autosave]").forEach(autosave);
        startTimers();
      })
      .catch(reload);
  }

  /* --- Content carried by the event (participants' screens) --------------------------
     The server renders a change once for everyone in the page's language. This person's own
     parts come from the page's #gk-person data, exactly as the server fills them in. */
  var person = null;
  function personData() {
    if (person) return person;
    var script = document.getElementById("gk-person");
    person = script ? JSON.parse(script.textContent) : {};
    return person;
  }

  function personalize(root) {
    var own = personData();
    root.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
      if (own.csrf) input.defaultValue = input.value = own.csrf;
    });
    var notes = (own.notes || []).map(String);
    root.querySelectorAll("[data-own-note]").forEach(function (element) {
      element.hidden = notes.indexOf(element.getAttribute("data-own-note")) < 0;
    });
    var answered = own.answered || {};
    root.querySelectorAll("[data-answered]").forEach(function (element) {
      element.textContent = fill(element.getAttribute("data-template"), {
        done: answered[element.getAttribute("data-answered")] || 0,
        total: element.getAttribute("data-total"),
      });
    });
    var ballot = own.ballot;
    root.querySelectorAll("form.gk-ballot").forEach(function (form) {
      var vote = form.querySelector("input[name=ballot-vote]");
      if (!ballot || !vote || vote.value !== String(ballot.vote)) return;
      var placed = 0;
      Object.keys(ballot.dots).forEach(function (option) {
        var input = form.querySelector("input[name=ballot-option-" + option + "]");
        if (input) input.defaultValue = input.value = String(ballot.dots[option]);
        placed += ballot.dots[option];
      });
      var status = form.querySelector("[data-placed-template]");
      if (status && placed) {
        status.textContent = fill(status.getAttribute("data-placed-template"), { placed: placed });
      }
    });
  }

  function parse(html) {
    return new DOMParser().parseFromString("<!DOCTYPE html><body>" + html, "text/html").body;
  }

  function samePage(url) {
    return new URL(url, window.location.href).pathname === window.location.pathname;
  }

  /* What someone typed and has not sent yet (a note) survives a swap: same field name. */
  function typedTexts(root) {
    var typed = {};
    root.querySelectorAll("textarea, input[type=text]").forEach(function (field) {
      if (field.name && field.value && field.value !== field.defaultValue) typed[field.name] = field.value;
    });
    return typed;
  }

  function restoreTexts(root, typed) {
    Object.keys(typed).forEach(function (name) {
      var field = root.querySelector("textarea[name='" + name + "'], input[type=text][name='" + name + "']");
      if (field && !field.value) field.value = typed[name];
    });
  }

  /* A step changed: swap in the new <main> for everyone, at the page's address. */
  function showStep(event) {
    var data = JSON.parse(event.data);
    if (!data.main) return refresh();  // no content (the facilitator's screens): fetch
    try {
      var fresh = parse(data.main).querySelector("main");
      var main = document.querySelector("main");
      if (!fresh || !main) return refresh();
      var typed = typedTexts(main);
      var hadFocus = main.contains(document.activeElement);
      personalize(fresh);
      restoreTexts(fresh, typed);
      main.replaceWith(fresh);
      if (data.title) document.title = data.title;
      if (data.url && !samePage(data.url)) window.history.replaceState(null, "", data.url);
      if (hadFocus || document.activeElement === document.body) fresh.focus();
      fresh.querySelectorAll("form[data-autosave]").forEach(autosave);
      startTimers();
    } catch (error) {
      refresh();
    }
  }

  /* Parts changed: swap each region this page has. All are prepared before any is swapped,
     so a screen is never half-updated; a region missing from the page the event is for means
     the page is out of date: fetch it. Another page (a note being edited) keeps what it has. */
  function showUpdate(event) {
    var data = JSON.parse(event.data);
    if (Array.isArray(data.regions)) return refreshRegions(data.regions);
    try {
      var swaps = [];
      var ids = Object.keys(data.regions || {});
      for (var i = 0; i < ids.length; i++) {
        var old = document.getElementById(ids[i]);
        var fresh = parse(data.regions[ids[i]]).firstElementChild;
        if (!fresh || fresh.id !== ids[i]) return refresh();
        if (!old) {
          if (data.url && samePage(data.url)) return refresh();
          continue;
        }
        personalize(fresh);
        swaps.push([old, fresh]);
      }
      swaps.forEach(function (pair) { pair[0].replaceWith(pair[1]); });
      startTimers();
    } catch (error) {
      refresh();
    }
  }

  function follow(url) {
    if (!url || !window.EventSource) return;
    var source = new EventSource(url);
    source.addEventListener("step", showStep);
    source.addEventListener("refresh", refresh);
    source.addEventListener("update", showUpdate);
    source.addEventListener("page", refresh);  // the presenter screen was paged (facilitator)
    source.addEventListener("progress", function (event) {
      showProgress(JSON.parse(event.data));
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  // Waits before an answer is sent again: about 7 s in all, longer than a process restart.
  var RETRY_DELAYS = [300, 1000, 2000, 4000];

  function Refused(message) {
    this.message = message;
  }

  function wait(ms) {
    return new Promise(function (resolve) { window.setTimeout(resolve, ms); });
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
      return post(body, 0)
        .then(function () {
          status.textContent = form.getAttribute("data-saved-text");
          status.classList.add("gk-mark__status--saved");
          announce.textContent = form.getAttribute("data-saved-text");
        })
        .catch(function (error) {
          // The server's own words when it refused; plain words when it could not be reached.
          status.textContent =
            (error instanceof Refused && error.message) || form.getAttribute("data-error-text");
          status.classList.add("gk-mark__status--error");
          announce.textContent = status.textContent;
        });
    }

    /* Send one answer; try again when it did not reach the app (no connection, or a proxy's
       error page instead of the app's JSON, e.g. nginx's 502 while a process restarts).
       Sending an answer twice stores the same state, so a retry is safe. */
    function post(body, attempt) {
      return fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token, "Accept": "application/json" },
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (type.indexOf("application/json") === -1) throw new Error("not the app");
          return response.json().then(function (data) {
            if (response.ok) return;
            var refused = new Refused(data.error || "");
            refused.again = response.status >= 500; // the app could not store it just now
            throw refused;
          });
        })
        .catch(function (error) {
          var final = error instanceof Refused && !error.again;
          if (final || attempt >= RETRY_DELAYS.length) throw error;
          return wait(RETRY_DELAYS[attempt]).then(function () { return post(body, attempt + 1); });
        });
    }

    form.addEventListener("change", function (event) {
      changed(event.target.closest("[data-behaviour]"));
    });
    /* A mark made while the page was still loading (before this script ran) fired its change
       event unheard: save every behaviour whose inputs differ from what the page came with. */
    form.querySelectorAll("[data-behaviour]").forEach(function (fieldset) {
      var inputs = fieldset.querySelectorAll("input[type=radio], input[type=checkbox]");
      for (var i = 0; i < inputs.length; i++) {
        if (inputs[i].checked !== inputs[i].defaultChecked) return changed(fieldset);
      }
    });

    function changed(fieldset) {
      if (!fieldset) return;
      var status = fieldset.querySelector("[data-status]");
      status.textContent = "";
      status.className = "gk-mark__status";
      var id = fieldset.getAttribute("data-behaviour");
      if (queued[id]) return; // the save waiting in the queue will send the newest state
      queued[id] = true;
      queue = queue.then(function () { return save(fieldset); });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var meta = document.querySelector("meta[name=gk-stream]");
    follow(meta && meta.getAttribute("content"));
    document.querySelectorAll("form[data-autosave]").forEach(autosave);
    startTimers();
  });
})();
