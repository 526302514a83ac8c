// The side panel's pieces: a table of counts and a monthly sparkline (SVG).
"use strict";

window.hotspotsPanel = (function () {
  const { msg, label, countText } = window.hotspotsControls;
  function table(caption, counts) {
    const t = document.createElement("table");
    const c = document.createElement("caption");
    c.textContent = caption;
    t.append(c);
    const entries = Object.entries(counts || {}).sort(function (a, b) { return b[1] - a[1]; });
    for (const [k, v] of entries) {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = label(k);
      const td = document.createElement("td");
      td.textContent = countText(v);
      tr.append(th, td);
      t.append(tr);
    }
    return t;
  }

  function sparkline(monthly) {
    const ns = "http://www.w3.org/2000/svg";
    const w = 240, h = 40;
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", w);
    svg.setAttribute("height", h);
    svg.setAttribute("class", "spark");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", msg("map-by-month", { values: monthly.map(function (m) { return m.month + " " + m.count; }).join(", ") }));
    const max = Math.max(1, ...monthly.map(function (m) { return m.count; }));
    const step = monthly.length > 1 ? w / (monthly.length - 1) : 0;
    const pts = monthly.map(function (m, i) { return (i * step).toFixed(1) + "," + (h - 2 - (m.count / max) * (h - 4)).toFixed(1); });
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", pts.join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", "currentColor");
    svg.append(line);
    return svg;
  }

  return { table, sparkline };
})();
