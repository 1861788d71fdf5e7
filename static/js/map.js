// The one map of Picketline, on the public strike-day page and on the organisers' dashboard.
//
// Markup (server-rendered; the table of the same schools sits beside the map):
//   <div class="pl-map" data-points="/…/map.json" data-base="/static/…/uk-base.geojson"
//        data-tiles="https://tiles.example/{z}/{x}/{y}.png" data-attribution="…"
//        data-refresh="60" role="region" aria-label="…"></div>
//
// The points come as compact columns (see strikes/selectors/maps.py). Schools are markers
// coloured by their status (CSS classes pl-st-<status>), clustered when zoomed out. A marker
// is a button: Tab reaches it, Enter or a click opens the school's row on this page when there
// is one, or the school's own page. No inline scripts or styles: it runs under the CSP.
(function () {
  "use strict";

  var UK = [[49.9, -8.2], [59.0, 1.9]];

  function decode(data) {
    var points = [];
    var id = 0;
    var q = data.q;
    for (var i = 0; i < data.id.length; i++) {
      id += data.id[i];
      var status = data.statuses[Number(data.s.charAt(i))];
      points.push({
        id: id,
        lat: data.lat0 + data.lat[i] / q,
        lng: data.lng0 + data.lng[i] / q,
        status: status,
        name: data.names ? data.names[i] : "",
      });
    }
    return points;
  }

  function rowFor(id) {
    return (
      document.getElementById("school-" + id) ||
      document.querySelector('tr[data-key="' + String(Number(id)) + '"]')
    );
  }

  function open(point, url) {
    var row = rowFor(point.id);
    if (row) {
      document.querySelectorAll(".pl-highlight").forEach(function (el) {
        el.classList.remove("pl-highlight");
      });
      row.classList.add("pl-highlight");
      row.scrollIntoView({ block: "center" });
      var link = row.querySelector("a[href]");
      (link || row).focus({ preventScroll: true });
      return;
    }
    window.location.href = url.replace("{id}", String(point.id));
  }

  function labelFor(point, labels) {
    var what = labels[point.status] || point.status;
    return (point.name ? point.name + ": " : "School: ") + what;
  }

  function clusterIcon(cluster) {
    var n = cluster.getChildCount();
    var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
    return L.divIcon({
      html:
        '<div><span aria-hidden="true">' + n + '</span>' +
        '<span class="visually-hidden">' + n + " schools here: press Enter to zoom in</span></div>",
      className: "marker-cluster marker-cluster-" + size,
      iconSize: L.point(40, 40),
    });
  }

  function init(el) {
    if (el.dataset.ready) return;
    el.dataset.ready = "1";
    var map = L.map(el, { zoomSnap: 0.5, minZoom: 4, maxZoom: 18, keyboard: true });
    map.fitBounds(UK);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, {
        attribution: el.dataset.attribution || "",
        maxZoom: 19,
        className: "pl-tiles",
      }).addTo(map);
    }
    if (el.dataset.base) {
      fetch(el.dataset.base, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (geo) {
          var layer = L.geoJSON(geo, {
            interactive: false,
            style: function () {
              return {
                className: el.dataset.tiles ? "pl-base pl-base-over-tiles" : "pl-base",
                color: "#7d8590",
                weight: 1,
                fillColor: "#f4f1e8",
                fillOpacity: el.dataset.tiles ? 0 : 1,
              };
            },
          }).addTo(map);
          layer.bringToBack();
        })
        .catch(function () { /* the points and the table still work */ });
    }
    var cluster = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      maxClusterRadius: 45,
      disableClusteringAtZoom: 14,
      iconCreateFunction: clusterIcon,
    });
    map.addLayer(cluster);
    var first = true;

    function load() {
      fetch(el.dataset.points, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) throw new Error(String(r.status));
          return r.json();
        })
        .then(function (data) {
          var labels = data.labels || {};
          var markers = decode(data).map(function (p) {
            var marker = L.marker([p.lat, p.lng], {
              icon: L.divIcon({ className: "pl-pt pl-st-" + p.status, iconSize: [16, 16] }),
              title: labelFor(p, labels),
              keyboard: true,
              riseOnHover: true,
            });
            marker.on("click", function () { open(p, data.url); });
            // Leaflet makes a keyboard marker a focusable button but fires only "keydown" on
            // it: Enter or Space opens it, as on any button.
            marker.on("keydown", function (e) {
              var key = e.originalEvent && e.originalEvent.key;
              if (key === "Enter" || key === " ") {
                e.originalEvent.preventDefault();
                open(p, data.url);
              }
            });
            return marker;
          });
          cluster.clearLayers();
          cluster.addLayers(markers);
          el.dataset.points_count = String(markers.length);
          el.setAttribute("data-loaded", String(markers.length));
          if (first && markers.length) {
            map.fitBounds(cluster.getBounds(), { padding: [20, 20], maxZoom: 12 });
          }
          first = false;
        })
        .catch(function () {
          el.setAttribute("data-loaded", "error");
        });
    }

    load();
    var every = Number(el.dataset.refresh || 0);
    if (every > 0) {
      window.setInterval(function () {
        if (!document.hidden) load();
      }, every * 1000);
    }
  }

  function start() {
    if (typeof L === "undefined") return;
    document.querySelectorAll(".pl-map[data-points]").forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  // The dashboard swaps its map figure in with htmx.
  document.addEventListener("htmx:afterSettle", start);
})();
