// The map page: reads the controls, keeps them in the URL, fetches the layers
// from /api/v1 and draws them with MapLibre. No inline script (CSP).
"use strict";

(function () {
  const root = document.querySelector("main.map-layout");
  const form = document.getElementById("controls");
  const status = document.getElementById("status");
  const retry = document.getElementById("retry");
  const panel = document.getElementById("panel");
  const panelBody = document.getElementById("panel-body");

  // Colour-blind-safe diverging palette (ColorBrewer RdBu, 7 classes): hot red, cold blue.
  const BIN_COLOURS = {
    "3": "#b2182b", "2": "#ef8a62", "1": "#fddbc7", "0": "#f7f7f7",
    "-1": "#d1e5f0", "-2": "#67a9cf", "-3": "#2166ac",
  };
  const { msg, label, sourceName, countText } = window.hotspotsControls;
  const BIN_LABELS = ["3", "2", "1", "0", "-1", "-2", "-3"].map(function (bin) {
    return [bin, msg("map-bin-" + bin.replace("-", "m"))];
  });
  const OPACITY = { "cells-fill": 0.75, "emerging-fill": 0.8 };
  // The tile URL (and so the query) each hexagon source shows.
  const tilesShown = {};
  const EMERGING_COLOURS = {
    new_hot: "#67001f", consecutive_hot: "#b2182b", intensifying_hot: "#d6604d",
    persistent_hot: "#f4a582", diminishing_hot: "#fddbc7", sporadic_hot: "#e08214",
    oscillating_hot: "#fdb863", historical_hot: "#fee0b6",
    new_cold: "#053061", consecutive_cold: "#2166ac", intensifying_cold: "#4393c3",
    persistent_cold: "#92c5de", diminishing_cold: "#d1e5f0", sporadic_cold: "#8073ac",
    oscillating_cold: "#b2abd2", historical_cold: "#d8daeb", none: "#f7f7f7",
  };

  // The page's other scripts: controls.js (controls <-> URL, the calendar) and
  // panel.js (the side panel's tables and sparklines), loaded before this one.
  const controls = window.hotspotsControls;
  const { pageQuery, layerQuery, monthsBefore, monthStart, monthEnd, shiftMonth } = controls;
  const { table, sparkline } = window.hotspotsPanel;
  function readControls() { return controls.readControls(form); }

  // ---- the map ----------------------------------------------------------------
  const basemapUrl = root.dataset.basemapUrl;
  const style = {
    version: 8,
    // Paint changes apply at once: a transition redraws the map for 300 ms.
    transition: { duration: 0, delay: 0 },
    sources: {},
    // No background layer: the sea is #map's CSS background, seen through the
    // canvas. In software rendering (SwiftShader) a full-screen fill is a real
    // cost in every frame, and MapLibre draws a frame as each tile arrives.
    layers: [],
  };
  if (basemapUrl) {
    style.sources.raster = {
      type: "raster", tiles: [basemapUrl], tileSize: 256,
      attribution: root.dataset.basemapAttribution || "",
    };
    style.layers.push({ id: "raster", type: "raster", source: "raster" });
  }
  const dataBounds = (root.dataset.bounds || "").split(",").map(Number);
  const opening = dataBounds.length === 4 && dataBounds.every(isFinite)
    ? { bounds: [[dataBounds[0], dataBounds[1]], [dataBounds[2], dataBounds[3]]], fitBoundsOptions: { padding: 30 } }
    : { center: [-1.5, 52.8], zoom: 6 };
  // The basemap is fetched while MapLibre sets itself up, and its sources are
  // created with their data: a source created empty and filled later is cut
  // into tiles twice by MapLibre's worker, which the hexagon tiles then wait for.
  const basemap = Promise.all([
    getJson("/api/v1/basemap/outline"), getJson("/api/v1/basemap/districts"), getJson("/api/v1/basemap/places"),
  ]);
  // So are the first view's hotspot areas (not after the map and basemap are
  // set up): the first refresh() takes this answer if its query is the same.
  const first = readControls();
  let prefetched = { url: "/api/v1/layers/hotspots?" + layerQuery(first, "cells") };
  prefetched.answer = getJson(prefetched.url);
  prefetched.answer.catch(function () { /* refresh() reports it */ });
  const map = new maplibregl.Map(Object.assign({
    container: "map",
    style: style,
    attributionControl: basemapUrl ? {} : false,
    preserveDrawingBuffer: false,
  }, opening));
  map.addControl(new maplibregl.NavigationControl(), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }));
  window.hotspotsMap = map; // for the browser tests and the console

  const empty = { type: "FeatureCollection", features: [] };
  let loaded = false;
  // Opened on the data's extent already: no second camera move (and redraw).
  let fitted = opening.bounds !== undefined;
  let generation = 0;
  const townMarkers = [];

  map.on("load", async function () {
    performance.mark("hotspots:map-loaded");
    // The areas source is created with its first answer (refresh): created
    // empty and then filled, its tiles would be built twice.
    map.addSource("reports", { type: "geojson", data: empty });
    // The hexagon layers come as vector tiles cut by the server from the same
    // answer as the GeoJSON layers (see src/tiles.rs): the worker fetches a
    // few small tiles instead of parsing 6.6 MB and cutting it up itself.
    const firstView = first.view || "hotspots";
    for (const id of ["cells", "emerging"]) {
      tilesShown[id] = tileUrl(id, layerQuery(first, id));
      map.addSource(id, { type: "vector", tiles: [tilesShown[id]], minzoom: 0, maxzoom: 12 });
    }
    map.addLayer({
      id: "cells-fill", type: "fill", source: "cells", "source-layer": "cells",
      paint: {
        "fill-color": ["match", ["to-string", ["get", "bin"]],
          "3", BIN_COLOURS["3"], "2", BIN_COLOURS["2"], "1", BIN_COLOURS["1"],
          "-1", BIN_COLOURS["-1"], "-2", BIN_COLOURS["-2"], "-3", BIN_COLOURS["-3"], BIN_COLOURS["0"]],
        "fill-opacity": OPACITY["cells-fill"],
        // No outline here: a fill's outline (and its antialiasing, which is the
        // same outline) is a line per hexagon edge, ~120k for 20k cells, drawn
        // in every frame though a res-8 hexagon is a few pixels wide below
        // zoom 9. "cells-edge" outlines the hexagons once they are big enough.
        "fill-antialias": false,
      },
      // Set, not left to the default: refresh() sets it, and MapLibre reloads
      // every tile of a layer whose layout changes (undefined -> "visible" too).
      layout: { visibility: hexagonVisibility("cells", firstView) },
    });
    map.addLayer({
      id: "emerging-fill", type: "fill", source: "emerging", "source-layer": "emerging",
      paint: {
        "fill-color": ["match", ["get", "category"], ...Object.entries(EMERGING_COLOURS).flat(), "#f7f7f7"],
        "fill-opacity": OPACITY["emerging-fill"],
        "fill-antialias": false,
      },
      layout: { visibility: hexagonVisibility("emerging", firstView) },
    });
    // Hexagon outlines from zoom 9 (a res-8 hexagon ~10 px wide): MapLibre's
    // worker builds a layer only for tiles within its zoom range.
    for (const source of ["cells", "emerging"]) {
      map.addLayer({
        id: source + "-edge", type: "line", source: source, "source-layer": source, minzoom: 9,
        paint: { "line-color": "#555", "line-width": 0.6, "line-opacity": 0.7 },
        layout: { visibility: hexagonVisibility(source, firstView) },
      });
    }
    revealWhenLoaded("cells-fill", "cells");
    revealWhenLoaded("emerging-fill", "emerging");
    // Recorded crime (police.uk) per cell, off unless asked for: context
    // under the analysis, in one hue so it never reads as a hot spot class.
    map.addSource("context", { type: "geojson", data: empty });
    map.addLayer({
      id: "context-fill", type: "fill", source: "context",
      paint: {
        "fill-color": ["step", ["get", "total"], "#efedf5", 5, "#bcbddc", 20, "#9e9ac8", 50, "#756bb1", 100, "#54278f"],
        "fill-opacity": 0.55,
        "fill-outline-color": "#6a51a3",
      },
      layout: { visibility: first.context ? "visible" : "none" },
    });
    map.addLayer({
      id: "reports-points", type: "circle", source: "reports",
      paint: { "circle-radius": 3, "circle-color": "#222", "circle-stroke-color": "#fff", "circle-stroke-width": 1 },
      // Hidden, its source loads no tiles (4-8 empty tiles a visit otherwise).
      layout: { visibility: first.points ? "visible" : "none" },
    });
    // The hexagon tiles are on their way; the basemap goes under them. A
    // basemap that cannot be fetched leaves the map without its outline and
    // town names, but the layers still load: they are what the page is for.
    try {
      addBasemap(await basemap);
    } catch (e) {
      basemapFailed = (e && e.message) || "error";
    }
    loaded = true;
    refresh();
  });

  let basemapFailed = null; // why the basemap could not be fetched, if it could not
  function addBasemap([outline, districts, places]) {
    performance.mark("hotspots:basemap-fetched");
    map.addSource("outline", { type: "geojson", data: outline });
    map.addSource("districts", { type: "geojson", data: districts });
    const below = "cells-fill"; // the lowest of the data layers
    if (!basemapUrl) {
      // The coast line draws the edge: no antialiasing outline under it.
      map.addLayer({ id: "land", type: "fill", source: "outline", paint: { "fill-color": "#f4f1ea", "fill-antialias": false, "fill-opacity": 0 } }, below);
    }
    map.addLayer({ id: "coast", type: "line", source: "outline", paint: { "line-color": "#8a8a8a", "line-width": 1, "line-opacity": 0 } }, below);
    map.addLayer({ id: "district-lines", type: "line", source: "districts", paint: { "line-color": "#9b8f7a", "line-width": 0.8, "line-dasharray": [3, 2], "line-opacity": 0 } }, below);
    revealBasemap();
    for (const f of places.features) {
      const el = document.createElement("div");
      el.className = "town-label";
      el.textContent = f.properties.name;
      townMarkers.push({ population: f.properties.population, element: el, lngLat: f.geometry.coordinates,
        marker: new maplibregl.Marker({ element: el }).setLngLat(f.geometry.coordinates).addTo(map) });
    }
    // Larger towns first: where two names would overlap, the larger keeps its label.
    townMarkers.sort(function (a, b) { return b.population - a.population; });
    // Each label's size, measured once while all are laid out (hidden, not removed).
    for (const t of townMarkers) {
      t.width = t.element.offsetWidth;
      t.height = t.element.offsetHeight;
    }
    declutter();
    map.on("moveend", declutter);
    performance.mark("hotspots:towns-placed");
  }

  // Fewer town labels when zoomed out (only the larger towns), and none over
  // another: a name is shown only where its box clears every larger town's
  // shown, as MapLibre's own symbol placement would (the labels are HTML,
  // since the page carries no glyph files). Rerun after every move, since
  // boxes that clear at one zoom meet at another.
  function declutter() {
    const z = map.getZoom();
    const min = z < 7 ? 100000 : z < 8 ? 40000 : z < 9.5 ? 15000 : 0;
    const container = map.getContainer();
    const [w, h] = [container.clientWidth, container.clientHeight];
    const PAD = 2; // px between two names
    const shown = [];
    for (const t of townMarkers) {
      let show = t.population >= min;
      if (show) {
        const p = map.project(t.lngLat);
        const box = [p.x - t.width / 2 - PAD, p.y - t.height / 2, p.x + t.width / 2 + PAD, p.y + t.height / 2];
        const inView = box[2] > 0 && box[0] < w && box[3] > 0 && box[1] < h;
        show = !inView || !shown.some(function (o) {
          return box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3];
        });
        if (show && inView) shown.push(box);
      }
      t.element.style.display = show ? "" : "none";
    }
  }

  async function getJson(url) {
    const r = await fetch(url, { credentials: "same-origin" });
    if (!r.ok) {
      let message = r.status + " " + r.statusText;
      try {
        // The server names the parameter it refused: say which, as the API does.
        const error = (await r.json()).error;
        message = error.field ? error.field + ": " + error.message : error.message;
      } catch (e) { /* not JSON */ }
      const failure = new Error(message);
      failure.status = r.status;
      throw failure;
    }
    return r.json();
  }

  // ---- loading the layers ------------------------------------------------------
  // The hexagon layers (cells, emerging: ~20k hexagons, 6.6 MB as GeoJSON) are
  // drawn from vector tiles; parsing the GeoJSON here and copying it to the
  // worker cost seconds of main-thread time and garbage collection. The page
  // itself fetches only what it reads: the hotspot areas (with the provenance
  // block the status line and legend show) and the few emerging cells of the
  // "new or intensifying" list.
  const CHANGE_CATEGORIES = ["new_hot", "intensifying_hot", "consecutive_hot"];
  // The first layer that could not be loaded, and what it was asked for then.
  // A failure stands until that layer is asked for something else (MapLibre
  // does not fetch a failed tile again), and it may come before refresh() has
  // run: the first view's tiles are asked for when the map loads.
  let failed = null;
  let reportsShown = null; // the report points' data URL, while they are shown
  let layersSet = -1; // the generation whose layers refresh() has set (none yet)
  function requested(source) {
    return source === "reports" ? reportsShown : tilesShown[source];
  }

  map.on("error", function (e) {
    if (!e.sourceId || ["cells", "emerging", "reports"].indexOf(e.sourceId) < 0) return;
    // A tile of a template the source has since left (a new query, a retry)
    // says nothing of the tiles shown now: MapLibre may still report it. Only
    // a known old template is ignored, so an error that matches neither (an
    // encoding MapLibre chose, say) still counts: holes are never called ready.
    const url = e.error && e.error.url;
    if (url && !isTileOf(url, map.getSource(e.sourceId).tiles) && (leftTiles[e.sourceId] || []).some(function (t) { return isTileOf(url, [t]); })) return;
    if (!failed) {
      // An HTTP failure is said plainly (MapLibre's message carries the tile's URL).
      const message = e.error && e.error.status ? msg("map-server-answered", { status: e.error.status + " " + e.error.statusText })
        : (e.error && e.error.message) || "error";
      failed = { source: e.sourceId, asked: requested(e.sourceId), message: message };
    }
    hexagonsShown = true;
    revealBasemap();
    // Until refresh() has set this generation's layers, it reports the failure.
    if (layersSet === generation) reportFailure();
  });

  // The tile templates each hexagon source showed before its current one (a few).
  const leftTiles = { cells: [], emerging: [] };

  // True when `url` is one of the tiles of the template in `tiles` ({z}/{x}/{y}).
  function isTileOf(url, tiles) {
    if (!tiles || !tiles[0]) return false;
    const pattern = tiles[0].replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[zxy]\}/g, "\\d+");
    return new RegExp("^" + pattern + "$").test(url);
  }

  // A layer's tiles were asked for with a query the server already accepted
  // (in the areas' answer), so asking again may help: retry is offered.
  function reportFailure() {
    showError(msg("map-layer-failed", { layer: failed.source, reason: failed.message }), true);
  }

  // The view cannot be drawn: say why, offer to ask again when that may help,
  // and stop waiting for it.
  function showError(text, retriable) {
    status.textContent = text;
    retry.hidden = !retriable;
    // The list waits for the drawn map, which will not come for this query.
    document.getElementById("changes-list").removeAttribute("aria-busy");
    document.body.setAttribute("data-ready", "error");
  }

  async function refresh() {
    if (!loaded) return;
    const s = readControls();
    const q = pageQuery(s);
    history.replaceState(null, "", q.toString() ? "?" + q : location.pathname);
    const mine = ++generation;
    document.body.removeAttribute("data-ready");
    status.textContent = msg("map-loading");
    retry.hidden = true;
    document.getElementById("changes-list").setAttribute("aria-busy", "true");
    const lq = layerQuery(s, "cells");
    const view = s.view || "hotspots";
    setDownloads(view === "emerging" ? "emerging" : "cells", view === "emerging" ? layerQuery(s, "emerging") : lq);
    const changes = layerQuery(s, "emerging");
    changes.set("category", CHANGE_CATEGORIES.join(","));
    try {
      // Hot spot areas first: a bad parameter is reported from here, by field.
      const areasUrl = "/api/v1/layers/hotspots?" + lq;
      const early = prefetched && prefetched.url === areasUrl ? prefetched.answer : null;
      prefetched = null;
      const areas = await (early || getJson(areasUrl));
      if (mine !== generation) return; // a newer request has started
      performance.mark("hotspots:layers-fetched");
      // A hidden layer's tiles are not fetched: only the view's own layer loads.
      setTiles("cells", tileUrl("cells", lq));
      setTiles("emerging", tileUrl("emerging", layerQuery(s, "emerging")));
      if (map.getSource("areas")) {
        map.getSource("areas").setData(areas);
      } else {
        map.addSource("areas", { type: "geojson", data: areas });
        map.addLayer({ id: "areas-line", type: "line", source: "areas", paint: { "line-color": "#000", "line-width": 2.5 } }, "reports-points");
      }
      reportsShown = s.points ? "/api/v1/layers/reports?" + layerQuery(s, "reports") : null;
      map.getSource("reports").setData(reportsShown || empty);
      performance.mark("hotspots:layers-set");
      // MapLibre ignores an equal value: only a change of view reloads tiles.
      for (const source of ["cells", "emerging"]) {
        for (const id of [source + "-fill", source + "-edge"]) map.setLayoutProperty(id, "visibility", hexagonVisibility(source, view));
      }
      map.setLayoutProperty("reports-points", "visibility", s.points ? "visible" : "none");
      map.getSource("context").setData(s.context ? "/api/v1/layers/context?" + layerQuery(s, "context") : empty);
      map.setLayoutProperty("context-fill", "visibility", s.context ? "visible" : "none");
      const prov = areas.provenance || {};
      drawLegend(view, prov);
      drawAreasTable(areas);
      if (!fitted && areas.features.length) {
        fitted = true;
        map.fitBounds(bounds(areas), { padding: 30, duration: 0 });
      }
      const summary = msg("map-summary", {
        areas: areas.features.length, cells: prov.n_cells,
        from: (prov.data_window && prov.data_window.from) || "?", to: (prov.data_window && prov.data_window.to) || "?",
      }) + (basemapFailed ? " · " + msg("map-basemap-failed", { reason: basemapFailed }) : "");
      status.textContent = summary;
      root.dataset.areas = String(areas.features.length);
      // A failure counts while its layer is shown and asked for the same data.
      if (failed && (requested(failed.source) !== failed.asked ||
          (failed.source === "reports" ? !s.points : hexagonVisibility(failed.source, view) !== "visible"))) {
        // Hidden, a failed hexagon layer is set afresh when shown again:
        // MapLibre keeps a failed tile and would not ask for it again, and
        // the page would then say "ready" over a layer with holes in it.
        if (failed.source !== "reports" && requested(failed.source) === failed.asked) tilesShown[failed.source] = null;
        failed = null;
      }
      layersSet = mine;
      if (failed) {
        reportFailure();
        return;
      }
      map.once("idle", function () {
        if (mine !== generation || failed) return;
        // Milliseconds since navigation began: the map bench reads it as the idle time.
        document.body.dataset.readyMs = String(Math.round(performance.now()));
        // Hexagons drawn (each once, though a tile edge may cut one in two).
        const layer = view === "emerging" ? "emerging-fill" : "cells-fill";
        const drawn = new Set(map.queryRenderedFeatures({ layers: [layer] }).map(function (f) { return f.properties.h3; }));
        root.dataset.cells = String(drawn.size);
        const loads = tileLoads[view === "emerging" ? "emerging" : "cells"];
        root.dataset.tileLoads = String(loads.length);
        root.dataset.tiles = String(new Set(loads).size);
        status.textContent = msg("map-drawn", { count: drawn.size }) + " · " + summary;
        document.body.setAttribute("data-ready", "true");
        // The "new or intensifying" list is asked for once the map is drawn:
        // computing it (~0.5-0.9 s of server time for a new query) took CPU
        // from the tiles on a two-core machine, and the map waited for it.
        const changesUrl = "/api/v1/layers/emerging?" + changes;
        document.getElementById("changes-list").dataset.source = changesUrl;
        getJson(changesUrl).catch(function () { return null; })
          .then(function (changed) { if (mine === generation) drawChanges(changed); });
      });
      map.triggerRepaint();
    } catch (e) {
      if (mine !== generation) return;
      // A parameter the server refused (4xx) fails again: no retry. The
      // network or the server (5xx) may do better next time.
      const refused = e.status >= 400 && e.status < 500;
      showError(msg("map-layers-failed", { reason: e.message }), !refused);
    }
  }

  // A hexagon layer is first drawn once its source has loaded every tile of the
  // view. Drawn as the tiles arrived, each frame redrew the hexagons loaded so
  // far (~0.2-0.4 s a frame in software rendering) while the worker still had
  // tiles to build. Until then the layer is "visible" at opacity 0 (MapLibre
  // loads no tiles for a hidden layer and draws no fill of opacity 0). Later
  // queries replace the tiles in place: the previous hexagons stay up meanwhile.
  function revealWhenLoaded(layer, source) {
    map.setPaintProperty(layer, "fill-opacity", 0);
    let tiles = false;
    function check(e) {
      if (e.sourceId !== source) return;
      if (e.tile) tiles = true;
      // Before the first tile, "loaded" only means no tile was asked for yet.
      if (!tiles || !map.isSourceLoaded(source)) return;
      map.off("sourcedata", check);
      map.setPaintProperty(layer, "fill-opacity", OPACITY[layer]);
      hexagonsShown = true;
      revealBasemap();
    }
    map.on("sourcedata", check);
  }

  // The basemap is drawn with the first hexagons, not before: MapLibre draws a
  // frame each time a tile arrives, and in software rendering every frame that
  // draws the land, coast and districts costs CPU the tiles are waiting for
  // (drawing nothing until then took 12-19% off SwiftShader's work in the bench).
  // A hexagon layer that fails to load shows the basemap too (the "error" handler).
  let hexagonsShown = false;
  let basemapShown = false;
  function revealBasemap() {
    if (basemapShown || !map.getSource("outline") || !hexagonsShown) return;
    if (!map.isSourceLoaded("outline") || !map.isSourceLoaded("districts")) {
      map.once("sourcedata", revealBasemap);
      return;
    }
    basemapShown = true;
    map.getContainer().classList.add("basemap-shown");
    if (map.getLayer("land")) map.setPaintProperty("land", "fill-opacity", 1);
    map.setPaintProperty("coast", "line-opacity", 1);
    map.setPaintProperty("district-lines", "line-opacity", 1);
  }

  // Each hexagon tile built for the query shown, by source. The page reports
  // how many loads and how many distinct tiles (main[data-tile-loads],
  // [data-tiles]): the browser test checks that no tile is built twice, as
  // happened when a layout change made MapLibre reload every tile.
  // Report points are counted too: hidden, their source should load no tiles.
  const tileLoads = { cells: [], emerging: [], reports: [] };
  window.hotspotsTileLoads = tileLoads; // for the browser tests
  map.on("sourcedata", function (e) {
    if (e.tile && tileLoads[e.sourceId]) tileLoads[e.sourceId].push(e.tile.tileID.key);
  });

  // New tiles only when the query changed (setTiles reloads every tile).
  function setTiles(source, url) {
    if (tilesShown[source] === url) return;
    // The source's own template, which may not be ours (the browser test sets one).
    const before = map.getSource(source).tiles;
    if (before && before[0] && before[0] !== url) leftTiles[source] = leftTiles[source].concat([before[0]]).slice(-8);
    tilesShown[source] = url;
    tileLoads[source] = [];
    map.getSource(source).setTiles([url]);
  }

  // A hexagon source's layers (fill and edge) are shown for their own view only.
  function hexagonVisibility(source, view) {
    return (source === "emerging") === (view === "emerging") ? "visible" : "none";
  }

  function tileUrl(layer, q) {
    return location.origin + "/api/v1/tiles/" + layer + "/{z}/{x}/{y}" + (q.toString() ? "?" + q : "");
  }

  // The bounds of any GeoJSON geometry's positions (Polygon or MultiPolygon).
  function bounds(fc) {
    const b = new maplibregl.LngLatBounds();
    function walk(c) { if (typeof c[0] === "number") b.extend(c); else for (const x of c) walk(x); }
    for (const f of fc.features) walk(f.geometry.coordinates);
    return b;
  }

  function setDownloads(layer, q) {
    const geo = new URLSearchParams(q); geo.set("download", "1");
    const csv = new URLSearchParams(q); csv.set("format", "csv"); csv.set("download", "1");
    document.getElementById("download-geojson").href = "/api/v1/layers/" + layer + "?" + geo;
    document.getElementById("download-csv").href = "/api/v1/layers/" + layer + "?" + csv;
  }

  function drawLegend(view, prov) {
    const body = document.getElementById("legend-body");
    body.textContent = "";
    const list = document.createElement("ul");
    const entries = view === "emerging"
      ? Object.keys(EMERGING_COLOURS).map(function (k) { return [EMERGING_COLOURS[k], msg("map-cat-" + k)]; })
      : BIN_LABELS.map(function (b) { return [BIN_COLOURS[b[0]], b[1]]; });
    for (const [colour, label] of entries) {
      const li = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = colour;
      li.append(swatch, document.createTextNode(" " + label));
      list.append(li);
    }
    // The fewest reports in a hot cell's ring (the release's k for the
    // partnership; 0 when Gi* alone decides): an area holds as many.
    const fewest = prov.query && prov.query.min_reports > 1 ? prov.query.min_reports : 0;
    const outline = document.createElement("li");
    const line = document.createElement("span");
    line.className = "swatch outline";
    outline.append(line, document.createTextNode(" " +
      (fewest ? msg("map-legend-area", { count: fewest }) : msg("map-legend-area-any"))));
    list.append(outline);
    body.append(list);
    const note = document.createElement("p");
    note.className = "small";
    note.textContent = (prov.kernel ? msg("map-method", { kernel: prov.kernel.name, k: prov.kernel.k }) : "Getis-Ord Gi*") +
      ", " + (prov.query && prov.query.fdr ? msg("map-fdr-on") : msg("map-fdr-off")) +
      (fewest ? "; " + msg("map-hot-rule", { count: fewest }) : "");
    body.append(note);
  }

  // "New or intensifying since last month (or quarter)": emerging categories over the window
  // ending now, listed by cell with the nearest context the panel can give.
  function drawChanges(fc) {
    const list = document.getElementById("changes-list");
    list.textContent = "";
    list.removeAttribute("aria-busy");
    drawChangeSteps(fc && fc.provenance);
    if (!fc) { // the emerging layer could not be computed for this view
      const li = document.createElement("li");
      li.textContent = msg("map-changes-failed");
      list.append(li);
      return;
    }
    const matching = fc.features.filter(function (f) { return CHANGE_CATEGORIES.indexOf(f.properties.category) >= 0; });
    // Strongest trend first; the partnership release withholds the trend's
    // strength, so there new comes before intensifying before consecutive,
    // then by place (code-unit order: the same in every browser).
    const ranked = matching.some(function (f) { return typeof f.properties.trend_z === "number"; });
    matching.sort(ranked
      ? function (a, b) { return b.properties.trend_z - a.properties.trend_z; }
      : function (a, b) {
        const c = CHANGE_CATEGORIES.indexOf(a.properties.category) - CHANGE_CATEGORIES.indexOf(b.properties.category);
        if (c) return c;
        const pa = placeOf(a.properties) || "", pb = placeOf(b.properties) || "";
        return pa < pb ? -1 : pa > pb ? 1 : 0;
      });
    // Cells that would read alike (one category, one place: several cells
    // within a km of a town's centre) are one item, with how many cells.
    const groups = [];
    const byLabel = new Map();
    for (const f of matching) {
      const category = msg("map-cat-" + f.properties.category);
      const place = placeOf(f.properties);
      const label = place ? msg("map-change-near", { category: category, place: place }) : category;
      if (byLabel.has(label)) {
        byLabel.get(label).cells.push(f);
      } else {
        const group = { label: label, cells: [f] };
        byLabel.set(label, group);
        groups.push(group);
      }
    }
    const items = groups.slice(0, 10);
    if (!items.length) {
      const li = document.createElement("li");
      li.textContent = msg("map-changes-none");
      list.append(li);
    }
    for (const group of items) {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      // A count the role may not see is left out (the page says once that
      // the release gives no counts), never printed as "undefined".
      const counts = group.cells.map(function (f) { return f.properties.count; });
      const known = counts.every(function (n) { return typeof n === "number"; });
      const parts = [group.label];
      if (group.cells.length > 1) parts.push(msg("map-n-cells", { count: group.cells.length }));
      if (known) {
        const n = counts.reduce(function (a, c) { return a + c; }, 0);
        parts.push(n === 1 ? msg("map-one-report") : msg("map-n-reports", { count: n }));
        // A cell holding under half its ring's reports is on the list for
        // its neighbours' (the rings of several cells overlap: they are not
        // added up).
        const ring = group.cells[0].properties.ring_count;
        if (group.cells.length === 1 && typeof ring === "number" && ring > 2 * n) {
          parts.push(msg("map-ring-reports", { count: ring }));
        }
      }
      b.textContent = parts.join(" · ");
      const cells = group.cells.map(function (f) { return f.properties.h3; });
      b.addEventListener("click", function () {
        const c = group.cells[0].geometry.coordinates[0][0];
        map.flyTo({ center: c, zoom: Math.max(map.getZoom(), 11) });
        openPanel(cells, msg("map-emerging-cell", { cell: cells.join(", ") }),
          group.cells.length === 1 ? group.cells[0].properties : undefined);
      });
      li.append(b);
      list.append(li);
    }
  }

  // The whole steps the categories compare (the server leaves out a month
  // the dates cut, or one still running): "2025-02 to 2025-05".
  function drawChangeSteps(prov) {
    const note = document.getElementById("changes-steps");
    if (!note) return;
    const quarter = Boolean(prov && prov.query && prov.query.step === "quarter");
    if (prov) {
      // The heading says which step, as the list now compares it.
      const section = document.getElementById("changes");
      const heading = msg(quarter ? "map-changes-quarter" : "map-changes-month");
      section.querySelector("h2").textContent = heading;
      section.setAttribute("aria-label", heading);
    }
    const first = prov && prov.first_step, last = prov && prov.last_step;
    note.hidden = !(first && last);
    if (note.hidden) return;
    const label = function (date) {
      if (!quarter) return date.slice(0, 7);
      return date.slice(0, 4) + "-Q" + (Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1);
    };
    note.textContent = msg(quarter ? "map-changes-steps-quarter" : "map-changes-steps",
      { first: label(first), last: label(last) });
  }

  // Where an area or a cell is, told apart from another near the same town:
  // "March, 2.1 km north-east" (the town alone within a km of its centre,
  // as the server's i18n::place_from says it on the briefings).
  function placeOf(p) {
    const town = p.nearest_town;
    if (!town) return null;
    if (typeof p.nearest_town_km !== "number" || p.nearest_town_km < 1 || !p.nearest_town_direction) return town;
    return msg("place-from", { place: town, km: p.nearest_town_km.toFixed(1),
      direction: msg("dir-" + p.nearest_town_direction) });
  }

  // The hotspot areas as a table: the map's content for the keyboard and
  // screen readers. Show moves the focus into the panel; closing it returns
  // the focus to the button.
  let panelOpener = null;
  function drawAreasTable(fc) {
    const body = document.querySelector("#hot-areas-table tbody");
    body.textContent = "";
    // An area is hot (bin 2 or 3): its confidence alone fits the column,
    // and the full label is its title.
    const CONFIDENCE = { 3: "99%", 2: "95%", 1: "90%" };
    const label = function (bin) {
      const l = BIN_LABELS.find(function (b) { return b[0] === String(bin); });
      return l ? l[1] : String(bin);
    };
    // Strongest first: by bin, then by reports. Where the release withholds
    // a count (the partnership's), every row goes by its size in cells
    // instead, so a large area whose count is withheld is not listed below a
    // small one whose count shows.
    const withheld = fc.features.some(function (f) { return typeof f.properties.count !== "number"; });
    const size = function (p) { return (withheld ? p.cells : p.count) || 0; };
    const rows = fc.features.slice().sort(function (a, b) {
      const p = a.properties, q = b.properties;
      return (q.bin - p.bin) || (size(q) - size(p)) || (p.id < q.id ? -1 : p.id > q.id ? 1 : 0);
    });
    if (!rows.length) {
      const tr = document.createElement("tr");
      const td = document.createElement("td");
      td.colSpan = 3;
      td.textContent = msg("map-areas-none");
      tr.append(td);
      body.append(tr);
    }
    for (const f of rows) {
      const p = f.properties;
      const tr = document.createElement("tr");
      tr.dataset.area = p.id;
      const th = document.createElement("th");
      th.scope = "row";
      const n = typeof p.count === "number" ? countText(p.count) : msg("map-withheld");
      const cells = Array.isArray(p.h3_cells) ? p.h3_cells : JSON.parse(p.h3_cells || "[]");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "link";
      const place = placeOf(p);
      b.textContent = place || p.id;
      b.setAttribute("aria-label", msg("map-show-area", { place: place || p.id }));
      b.addEventListener("click", function () {
        panelOpener = b;
        map.fitBounds(bounds({ features: [f] }), { padding: 40, duration: 0, maxZoom: 13 });
        openPanel(cells, msg("map-area-near", { place: place || "?" }), p);
      });
      th.append(b);
      tr.append(th);
      const confidence = document.createElement("td");
      confidence.textContent = CONFIDENCE[p.bin] || label(p.bin);
      confidence.title = label(p.bin);
      const reports = document.createElement("td");
      reports.className = "num";
      reports.textContent = n;
      tr.append(confidence, reports);
      body.append(tr);
    }
  }

  // ---- the side panel ---------------------------------------------------------
  async function openPanel(cells, title, props) {
    panel.hidden = false;
    panelBody.textContent = msg("map-loading");
    const s = readControls();
    const q = layerQuery(s, "reports");
    q.set("h3", cells.join(","));
    let d;
    try { d = await getJson("/api/v1/cells?" + q); } catch (e) { panelBody.textContent = e.message; return; }
    panelBody.textContent = "";
    const h = document.createElement("h2");
    h.textContent = title;
    panelBody.append(h);
    // What the feature says of its statistic, as far as the role is given
    // it: a cell's Gi* (an area's highest), an emerging cell's trend, the
    // bin's meaning, and the reports of the cell's neighbourhood, which are
    // why a cell of one report can be hot. A figure withheld is left out.
    const stats = [];
    const z = props && (typeof props.gi_z === "number" ? props.gi_z : props.max_gi_z);
    if (typeof z === "number") {
      stats.push("Gi* z = " + z.toFixed(2) + (typeof props.p === "number" ? ", p = " + props.p.toPrecision(2) : ""));
    }
    if (props && typeof props.trend_z === "number" && props.category) {
      stats.push(msg("map-panel-trend", { z: props.trend_z.toFixed(2), p: Number(props.trend_p).toPrecision(2) }));
    }
    if (props && typeof props.bin === "number") {
      stats.push(msg("map-bin-" + (props.bin < 0 ? "m" + -props.bin : props.bin)));
    }
    if (props && typeof props.ring_count === "number") {
      stats.push(msg("map-panel-ring", { count: props.ring_count }));
    }
    if (stats.length) {
      const p = document.createElement("p");
      p.className = "statistic";
      p.textContent = stats.join(" · ");
      panelBody.append(p);
    }
    // A hotspot area links to its printable briefing, for the roles that plan
    // visits, with the view's period, filters and map parameters (the area's
    // id belongs to them).
    if (props && typeof props.id === "string" && props.id.indexOf("hs-") === 0 && root.dataset.briefing) {
      const q = new URLSearchParams({ area: props.id });
      for (const [k, v] of layerQuery(s, "hotspots")) q.set(k, v);
      const brief = document.createElement("p");
      const a = document.createElement("a");
      a.href = "/briefing?" + q;
      a.className = "briefing-link";
      a.textContent = msg("map-briefing");
      brief.append(a);
      panelBody.append(brief);
    }
    // An area in more than one district says so: each district's partnership
    // sees only its own side of it. (A list in GeoJSON, JSON text in a tile,
    // names joined by ";" in the partnership release.)
    // Likewise a force boundary: a day of action there is two forces'.
    for (const [flag, key, message] of [
      ["crosses_districts", "districts", "map-crosses"],
      ["crosses_forces", "forces", "map-crosses-forces"],
    ]) {
      if (!props || !props[flag]) continue;
      const value = props[key];
      const names = Array.isArray(value) ? value
        : String(value || "").startsWith("[") ? JSON.parse(value)
        : String(value || "").split(";").filter(Boolean);
      const crosses = document.createElement("p");
      crosses.className = flag === "crosses_forces" ? "crosses forces" : "crosses";
      crosses.textContent = msg(message, { values: names.join(", ") });
      panelBody.append(crosses);
    }
    // A hotspot area's monthly count and its Mann-Kendall trend (the layer's
    // `monthly` is a list in GeoJSON, JSON text in a tile; the partnership
    // release has neither).
    if (props && ["rising", "falling", "none"].indexOf(props.trend) >= 0) {
      const monthly = Array.isArray(props.monthly) ? props.monthly : JSON.parse(props.monthly || "[]");
      const trend = document.createElement("p");
      trend.className = "trend";
      const p = Number(props.trend_p);
      trend.textContent = msg("map-trend-" + props.trend,
        { months: monthly.length, p: p < 0.001 ? "< 0.001" : "= " + p.toFixed(3) });
      panelBody.append(trend);
    }
    const total = document.createElement("p");
    total.textContent = msg("map-in-period", { count: d.count });
    panelBody.append(total);
    const crimes = Object.entries(d.context || {}).sort(function (a, b) { return b[1] - a[1]; });
    if (crimes.length) {
      const c = document.createElement("p");
      c.className = "context";
      c.textContent = msg("map-context-line", { count: crimes.reduce(function (n, e) { return n + e[1]; }, 0) }) +
        " — " + crimes.slice(0, 3).map(function (e) { return e[0] + " " + e[1]; }).join(", ");
      panelBody.append(c);
    }
    panelBody.append(table(msg("map-by-venue"), d.venues));
    panelBody.append(table(msg("map-indicators"), d.indicators));
    panelBody.append(sparkline(d.monthly));
    if (d.reports) {
      const h3 = document.createElement("h3");
      h3.textContent = msg("map-newest", { count: d.reports_listed });
      panelBody.append(h3);
      const ul = document.createElement("ul");
      ul.className = "reports";
      for (const r of d.reports) {
        const li = document.createElement("li");
        li.textContent = r.observed_on + " · " + label(r.venue_type) +
          (r.venue_name ? " (" + r.venue_name + ")" : "") + " · " + sourceName(r.source) +
          (r.indicators.length ? " · " + r.indicators.map(label).join(", ") : "") +
          (r.notes ? " — " + r.notes : "");
        ul.append(li);
      }
      panelBody.append(ul);
    }
    document.getElementById("panel-close").focus();
  }

  function closePanel() {
    if (panel.hidden) return;
    panel.hidden = true;
    if (panelOpener && document.contains(panelOpener)) panelOpener.focus();
    panelOpener = null;
  }
  document.getElementById("panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") closePanel(); });

  map.on("click", function (e) {
    const areas = map.getLayer("areas-line") ? map.queryRenderedFeatures(e.point, { layers: ["areas-line"] }) : [];
    const cells = map.queryRenderedFeatures(e.point, { layers: ["cells-fill", "emerging-fill"] });
    if (cells.length) {
      const p = cells[0].properties;
      openPanel([p.h3], p.category ? msg("map-category-cell", { category: msg("map-cat-" + p.category), cell: p.h3 }) : msg("map-cell", { cell: p.h3 }), p);
    } else if (areas.length) {
      const p = areas[0].properties;
      const list = JSON.parse(p.h3_cells || "[]");
      openPanel(list, msg("map-area-near", { place: placeOf(p) || "?" }), p);
    }
  });
  for (const layer of ["cells-fill", "emerging-fill"]) {
    map.on("mouseenter", layer, function () { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", layer, function () { map.getCanvas().style.cursor = ""; });
  }

  // ---- controls -----------------------------------------------------------------
  form.addEventListener("change", refresh);
  // A police force area as the study area: the map moves to it (the whole
  // data's extent again for "around all reports").
  const forceSelect = document.getElementById("force");
  if (forceSelect) {
    forceSelect.addEventListener("change", function () {
      const chosen = forceSelect.selectedOptions[0];
      const b = ((chosen && chosen.dataset.bounds) || (forceSelect.value ? "" : root.dataset.dataBounds) || "")
        .split(",").map(Number);
      if (b.length === 4 && b.every(isFinite)) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 30, duration: 0 });
    });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); refresh(); });
  // The same view again. A failed layer is set afresh: MapLibre does not ask
  // for a failed tile again by itself, and the failure would otherwise stand
  // for as long as the query does.
  retry.addEventListener("click", function () {
    if (failed) {
      if (failed.source === "reports") reportsShown = null; else tilesShown[failed.source] = null;
      failed = null;
    }
    // The button hides as the view reloads: keep the keyboard's place on the
    // line that says how the retry went, not at the top of the page.
    status.focus();
    refresh();
  });

  for (const b of form.querySelectorAll(".quick button")) {
    b.addEventListener("click", function () {
      const months = Number(b.dataset.months);
      const last = root.dataset.last;
      document.getElementById("from").value = months && last ? monthsBefore(last, months) : "";
      document.getElementById("to").value = months && last ? last : "";
      refresh();
    });
  }

  // Playback: a one-month window stepping through the data.
  function stepMonth(n) {
    const from = document.getElementById("from");
    const to = document.getElementById("to");
    const first = root.dataset.first, last = root.dataset.last;
    if (!first || !last) return false;
    let start = from.value ? shiftMonth(monthStart(from.value), n) : monthStart(first);
    if (start < monthStart(first)) start = monthStart(first);
    if (start > last) return false;
    from.value = start;
    to.value = monthEnd(start);
    refresh();
    return true;
  }
  document.getElementById("step-back").addEventListener("click", function () { stepMonth(-1); });
  document.getElementById("step-forward").addEventListener("click", function () { stepMonth(1); });
  let timer = null;
  const play = document.getElementById("play");
  play.addEventListener("click", function () {
    if (timer) {
      clearInterval(timer); timer = null;
      play.textContent = msg("map-play"); play.setAttribute("aria-pressed", "false");
      return;
    }
    play.textContent = msg("map-pause"); play.setAttribute("aria-pressed", "true");
    timer = setInterval(function () {
      if (!stepMonth(1)) { play.click(); }
    }, 1500);
  });
})();
