// The report form: a small offline map; clicking it fills latitude and longitude.
// The form works without this script (type the coordinates, or a postcode or town).
"use strict";

(function () {
  const el = document.getElementById("pick-map");
  if (!el || typeof maplibregl === "undefined") return;
  const lat = document.getElementById("lat");
  const lng = document.getElementById("lng");
  const map = new maplibregl.Map({
    container: el,
    style: { version: 8, sources: {}, layers: [{ id: "sea", type: "background", paint: { "background-color": "#dfe9f0" } }] },
    center: [-1.5, 53.5],
    zoom: 4.6,
    attributionControl: false,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.on("load", async function () {
    // The public page reads the outline from a public address (no account).
    const r = await fetch(el.dataset.outline || "/api/v1/basemap/outline");
    if (!r.ok) return;
    map.addSource("outline", { type: "geojson", data: await r.json() });
    map.addLayer({ id: "land", type: "fill", source: "outline", paint: { "fill-color": "#f4f1ea" } });
    map.addLayer({ id: "coast", type: "line", source: "outline", paint: { "line-color": "#8a8a8a" } });
  });
  let marker = null;
  map.on("click", function (e) {
    lat.value = e.lngLat.lat.toFixed(6);
    lng.value = e.lngLat.lng.toFixed(6);
    if (!marker) marker = new maplibregl.Marker().setLngLat(e.lngLat).addTo(map);
    else marker.setLngLat(e.lngLat);
  });
})();
