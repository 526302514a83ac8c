// The map page's controls and the URL: the view's state read from the form,
// the page's query string, each layer's API parameters, and the calendar
// arithmetic of the quick periods and playback. Reads the controls; draws nothing.
"use strict";

window.hotspotsControls = (function () {
  // ---- the page's words ------------------------------------------------------
  // The server writes what the scripts say, in the page's language, into
  // main[data-messages]: id -> text with {name} where a value goes.
  const root = document.querySelector("main[data-messages]");
  const MESSAGES = root ? JSON.parse(root.dataset.messages || "{}") : {};
  function msg(id, args) {
    let text = MESSAGES[id];
    if (text === undefined) return id;
    for (const [name, value] of Object.entries(args || {})) text = text.split("{" + name + "}").join(countText(value));
    return text;
  }
  // A whole number grouped as the page's language writes it (1,629), as the
  // server writes its counts; anything else as it is.
  const LANG = document.documentElement.lang || "en";
  function countText(value) {
    return Number.isInteger(value) ? value.toLocaleString(LANG) : String(value);
  }
  // A vocabulary code (venue, exploitation, indicator) as the language writes it.
  function label(code) {
    const text = MESSAGES["label-" + code];
    return text === undefined ? String(code).replace(/_/g, " ") : text;
  }
  // A report source by name where the server sent one; any other source as
  // it was loaded (sources are an open list).
  function sourceName(code) {
    const text = MESSAGES["source-" + code];
    return text === undefined ? String(code) : text;
  }

  // ---- state <-> controls <-> URL -------------------------------------------
  // The server's default, left out of the page's URL as fdr=true is.
  const minReports = document.getElementById("min_reports");
  const DEFAULT_MIN_REPORTS = minReports ? minReports.dataset.default : "2";
  const lag = document.getElementById("lag");
  const DEFAULT_LAG = lag ? lag.dataset.default : "1";
  function readControls(form) {
    const data = new FormData(form);
    const s = {};
    for (const name of ["from", "to", "view", "weight", "res", "k", "kernel", "force", "min_reports", "step", "lag"]) {
      const v = data.get(name);
      if (v) s[name] = v;
    }
    for (const name of ["venue", "exploitation"]) {
      const all = data.getAll(name);
      if (all.length) s[name] = all.join(",");
    }
    s.fdr = document.getElementById("fdr").checked ? "true" : "false";
    const points = document.getElementById("show-reports");
    if (points && points.checked) s.points = "1";
    if (document.getElementById("show-context").checked) s.context = "1";
    return s;
  }

  function pageQuery(s) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(s)) {
      if (k === "fdr" && v === "true") continue;
      if (k === "view" && v === "hotspots") continue;
      if (k === "min_reports" && v === DEFAULT_MIN_REPORTS) continue;
      if (k === "step" && v === "month") continue;
      if (k === "lag" && v === DEFAULT_LAG) continue;
      q.set(k, v);
    }
    return q;
  }

  // The API's parameters for one layer (each layer accepts its own set).
  function layerQuery(s, layer) {
    const q = new URLSearchParams();
    const common = ["from", "to", "venue", "exploitation"];
    // force: a police force area as the study area (Gi*'s n, mean and spread).
    // min_reports: the fewest reports a hot cell's ring holds (and an area).
    const analysis = ["res", "k", "kernel", "weight", "fdr", "force", "min_reports"];
    // Context is police.uk's recorded crime: its period and resolution only.
    // step, lag: the emerging layer's time step and how many steps before
    // each one its neighbourhoods span.
    const names = layer === "context" ? ["from", "to", "res"]
      : layer === "reports" ? common
      : layer === "emerging" ? common.concat(analysis, ["step", "lag"]) : common.concat(analysis);
    for (const n of names) if (s[n]) q.set(n, s[n]);
    return q;
  }

  function iso(d) { return d.toISOString().slice(0, 10); }
  function monthsBefore(dateText, months) {
    const d = new Date(dateText + "T00:00:00Z");
    d.setUTCMonth(d.getUTCMonth() - months);
    d.setUTCDate(d.getUTCDate() + 1);
    return iso(d);
  }
  function monthStart(text) { return text.slice(0, 8) + "01"; }
  function monthEnd(start) {
    const d = new Date(start + "T00:00:00Z");
    d.setUTCMonth(d.getUTCMonth() + 1);
    d.setUTCDate(0);
    return iso(d);
  }
  function shiftMonth(start, n) {
    const d = new Date(start + "T00:00:00Z");
    d.setUTCMonth(d.getUTCMonth() + n);
    return iso(d);
  }

  return { msg, label, sourceName, countText, readControls, pageQuery, layerQuery, iso, monthsBefore, monthStart, monthEnd, shiftMonth };
})();
