// The ceasefire's map: Leaflet over Natural Earth's countries, the zones,
// and the incidents the filters keep, counted by parley into the cells of
// a grid of the zoom level, so that a year of incidents draws as fast as a
// day's. Everything comes from parley itself: no tiles, no other site.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) {
    return;
  }
  var id = el.getAttribute("data-ceasefire");
  // What the map says itself comes from the page, in the reader's
  // language; what it says of the incidents, from parley's answers.
  var unreadable = el.getAttribute("data-unreadable") || "The incidents could not be read.";
  // maxZoom is the server's: it counts no closer.
  var map = L.map(el, { minZoom: 2, maxZoom: 14 }).setView([30, 20], 3);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(el.getAttribute("data-basemap") || "Basemap: Natural Earth");

  var zoneColours = { "contact-line": "#7f3f00", buffer: "#c55a11", exclusion: "#7030a0", "protected-object": "#548235", region: "#999999" };
  fetch("/ceasefire-map/countries.geojson").then(function (r) { return r.json(); }).then(function (g) {
    L.geoJSON(g, { interactive: false, style: { color: "#a8a29a", weight: 1, fillColor: "#f4f1ea", fillOpacity: 1 } }).addTo(map).bringToBack();
  });
  fetch("/ceasefire/" + encodeURIComponent(id) + "/zones.geojson").then(function (r) { return r.json(); }).then(function (g) {
    var zones = L.geoJSON(g, {
      style: function (f) {
        var c = zoneColours[f.properties.zone_type] || "#555555";
        return { color: c, weight: f.properties.zone_type === "contact-line" ? 3 : 1, fillOpacity: f.properties.zone_type === "region" ? 0 : 0.08 };
      },
      pointToLayer: function (f, ll) {
        var c = zoneColours[f.properties.zone_type] || "#555555";
        if (f.properties.radius_km) {
          return L.circle(ll, { radius: f.properties.radius_km * 1000, color: c, weight: 1, fillOpacity: 0.08 });
        }
        return L.circleMarker(ll, { radius: 4, color: c, weight: 2, fillOpacity: 0.5 });
      },
      onEachFeature: function (f, l) {
        // A zone's name is text, never markup.
        var name = document.createElement("span");
        name.textContent = f.properties.name;
        l.bindTooltip(name);
      }
    }).addTo(map);
    // The map opens on the zones, wherever the process is; moving there
    // loads the incidents.
    if (zones.getBounds().isValid()) {
      map.fitBounds(zones.getBounds(), { padding: [20, 20] });
    } else {
      load();
    }
  }).catch(function () { load(); });

  var incidents = L.layerGroup().addTo(map);
  var form = document.getElementById("map-filters");
  var status = document.getElementById("map-status");
  var asked = 0;
  function load() {
    var q = new URLSearchParams();
    new FormData(form).forEach(function (v, k) { if (v) { q.set(k, v); } });
    var b = map.getBounds();
    q.set("zoom", map.getZoom());
    q.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(4); }).join(","));
    var mine = ++asked;
    el.setAttribute("data-asked", String(mine));
    fetch("/ceasefire/" + encodeURIComponent(id) + "/map.json?" + q.toString()).then(function (r) {
      return r.json().then(function (d) { return { ok: r.ok, d: d }; });
    }).then(function (res) {
      if (mine !== asked) {
        return; // a later request is under way
      }
      if (!res.ok) {
        status.textContent = (res.d.error && res.d.error.message) || unreadable;
        return;
      }
      var d = res.d;
      incidents.clearLayers();
      d.cells.forEach(function (c) {
        var m = L.circleMarker([c.lat, c.lon], {
          radius: c.n === 1 ? 7 : Math.min(30, 7 + 4 * Math.log2(c.n)),
          color: c.violations ? "#b00020" : "#1f4e79", weight: 1, fillOpacity: 0.6, className: "incident"
        });
        if (c.id) {
          var a = document.createElement("a");
          a.href = "/monitoring/incidents/" + encodeURIComponent(c.id);
          a.className = "incident-link";
          a.textContent = c.what;
          m.bindPopup(a);
        } else {
          // Text, never markup, as a zone's name.
          var tip = document.createElement("span");
          tip.textContent = c.what;
          m.bindTooltip(tip);
          m.on("click", function () { map.setView([c.lat, c.lon], Math.min(map.getZoom() + 2, 14)); });
        }
        incidents.addLayer(m);
      });
      status.textContent = d.status;
      el.setAttribute("data-loaded", String(mine));
    }).catch(function () {
      status.textContent = unreadable;
    });
  }
  map.on("moveend", load);
  form.addEventListener("change", load);
  form.addEventListener("submit", function (e) { e.preventDefault(); load(); });
})();
