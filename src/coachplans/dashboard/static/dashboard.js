// Live updates for the dashboard: listen to the API's event stream and, when a change concerns
// this page, fetch the page again and swap its #live region. Without JavaScript the page is
// complete as served; this only keeps it current.
(function () {
  "use strict";

  var TYPES = {
    "plan.created": "posted",
    "plan.replaced": "replaced",
    "plan.edited": "edited",
    "plan.deleted": "deleted",
    "plan.restored": "restored",
    "plan.imported": "imported",
  };
  var body = document.body;
  var status = document.getElementById("live-status");
  var wanted = 0; // the newest event the page must reflect
  var running = false;
  var changed = []; // element ids to highlight after the next swap

  function lastEvent() {
    return Number(body.dataset.lastEvent || "0");
  }

  function concerns(event) {
    var watch = body.dataset;
    if (watch.watchAll) return true;
    if (watch.watchDate) return event.date === watch.watchDate;
    if (watch.watchCoach) return event.coach === "coach_" + watch.watchCoach;
    if (watch.watchPlan) return String(event.plan_id) === watch.watchPlan;
    return false;
  }

  function coachName(event) {
    var heading = document.getElementById("title-" + event.coach.replace(/^coach_/, ""));
    return heading ? heading.textContent.trim() : event.coach;
  }

  function announce(text) {
    if (!status) return;
    status.textContent = text;
    window.setTimeout(function () {
      if (status.textContent === text) status.textContent = "";
    }, 6000);
  }

  function highlight() {
    changed.forEach(function (id) {
      var element = document.getElementById(id);
      if (element) element.classList.add("changed");
    });
    changed = [];
  }

  function fetchPage() {
    return window
      .fetch(window.location.href, {
        headers: { Accept: "text/html" },
        credentials: "same-origin",
        cache: "no-store",
      })
      .then(function (response) {
        if (!response.ok) throw new Error("page answered " + response.status);
        return response.text();
      })
      .then(function (html) {
        return new DOMParser().parseFromString(html, "text/html");
      });
  }

  // One refresh at a time; a page built before the change (another process's cache, or a
  // build already under way) is fetched again after a short pause.
  function refresh(attempt) {
    running = true;
    fetchPage()
      .then(function (doc) {
        var freshEvent = Number(doc.body.dataset.lastEvent || "0");
        if (freshEvent < wanted && attempt < 8) {
          window.setTimeout(function () { refresh(attempt + 1); }, 250 * (attempt + 1));
          return;
        }
        var fresh = doc.getElementById("live");
        var current = document.getElementById("live");
        if (fresh && current) current.replaceWith(document.adoptNode(fresh));
        body.dataset.lastEvent = String(Math.max(freshEvent, lastEvent()));
        highlight();
        running = false;
        if (wanted > lastEvent()) refresh(0);
      })
      .catch(function () {
        running = false;
      });
  }

  function onChange(message) {
    var event;
    try {
      event = JSON.parse(message.data);
    } catch (error) {
      return;
    }
    if (!concerns(event)) return;
    wanted = Math.max(wanted, event.id);
    changed.push("coach-" + event.coach.replace(/^coach_/, ""), "plan-" + event.plan_id);
    announce(coachName(event) + ": plan for " + event.date + " " + (TYPES[event.type] || "changed"));
    if (!running) refresh(0);
  }

  function start() {
    if (!window.EventSource || !document.getElementById("live")) return;
    var source = new window.EventSource("/api/v1/events/stream?after=" + lastEvent());
    Object.keys(TYPES).forEach(function (type) {
      source.addEventListener(type, onChange);
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  start();
})();
