// Draws the map of templates/fiches/map_block.html when JavaScript runs. Without JavaScript, or
// when Leaflet is missing (npm ci not run), the legend and the list stay as the server sent them.
// Everything comes from data-* attributes of the .fiches-map element and its .map-layer children;
// values from fiches are only ever set with textContent or as plain properties, never as HTML.
// In the fiche form, the .geo-picker under a geo field (templates/fiches/macros.html) becomes a
// small map to place the point, and, when the wiki has an address search, a "Search" button that
// asks /api/geocode; the typed latitude and longitude keep working, with or without it.
(function () {
  "use strict";
  if (window.bocageMapLoaded) return;      // included once per map: run once per page
  window.bocageMapLoaded = true;
  if (!window.fetch || !window.Promise || !document.querySelectorAll) return;

  var assets = null;

  function words(text) {
    return (text || "").split(" ").filter(function (w) { return w; });
  }

  function numbers(text, count) {
    var parts = (text || "").split(",").map(Number);
    if (parts.length !== count || parts.some(function (n) { return !isFinite(n); })) return null;
    return parts;
  }

  function escapeHtml(text) {             // for the two strings Leaflet only takes as HTML
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  function sameSite(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" && url.charAt(1) !== "\\";
  }

  function load(tag, attrs) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement(tag);
      Object.keys(attrs).forEach(function (k) { el[k] = attrs[k]; });
      el.onload = resolve;
      el.onerror = reject;
      document.head.appendChild(el);
    });
  }

  function loadAssets(el) {               // Leaflet's files, once per page, scripts in order
    if (!assets) {
      words(el.dataset.css).forEach(function (href) {
        load("link", {rel: "stylesheet", href: href}).catch(function () { /* unstyled, still usable */ });
      });
      assets = words(el.dataset.js).reduce(function (chain, src) {
        return chain.then(function () { return load("script", {src: src, async: false}); });
      }, Promise.resolve());
    }
    return assets;
  }

  function colours(layerEl) {
    var found = new Map();
    layerEl.querySelectorAll("li[data-value]").forEach(function (li) {
      if (/^\d+$/.test(li.dataset.colour)) found.set(li.dataset.value, li.dataset.colour);
    });
    return found;
  }

  function popup(props, field) {
    var box = document.createElement("div");
    var title = document.createElement("div");
    title.className = "map-popup-title";
    var link = document.createElement(sameSite(props.url) ? "a" : "span");
    if (link.tagName === "A") link.href = props.url;
    link.textContent = props.title || props.name || "";
    title.appendChild(link);
    if (props.territoire) {             // a common: the neighbour it comes from
      var badge = document.createElement("span");
      badge.className = "territory-badge";
      badge.textContent = String(props.territoire);
      title.appendChild(document.createTextNode(" "));
      title.appendChild(badge);
    }
    box.appendChild(title);
    if (field && props[field]) {
      var value = document.createElement("p");
      value.className = "map-popup-value";
      value.textContent = String(props[field]);
      box.appendChild(value);
    }
    return box;
  }

  function markers(layerEl, data) {
    var shape = /^\d+$/.test(layerEl.dataset.shape) ? layerEl.dataset.shape : "0";
    var own = /^\d+$/.test(layerEl.dataset.colour) ? layerEl.dataset.colour : "none";
    var field = layerEl.dataset.colourField || "";
    var palette = colours(layerEl);
    return (data.features || []).filter(function (f) {
      return f && f.geometry && f.geometry.type === "Point" && f.properties;
    }).map(function (f) {
      var props = f.properties, c = f.geometry.coordinates;
      var colour = field ? (palette.get(props[field]) || "none") : own;
      var marker = L.marker([c[1], c[0]], {
        icon: L.divIcon({className: "map-pin map-shape-" + shape + " map-colour-" + colour,
                         iconSize: [18, 18], html: ""}),
        title: String(props.title || props.name || ""), keyboard: true
      });
      marker.bindPopup(function () { return popup(props, field); });
      return marker;
    });
  }

  function layerName(layerEl) {
    var shape = /^\d+$/.test(layerEl.dataset.shape) ? layerEl.dataset.shape : "0";
    var colour = layerEl.dataset.colourField ? "plain" : (/^\d+$/.test(layerEl.dataset.colour) ? layerEl.dataset.colour : "none");
    return '<span class="map-swatch map-shape-' + shape + ' map-colour-' + colour + '" aria-hidden="true"></span> ' +
      escapeHtml(layerEl.dataset.name || "");
  }

  function attribution(el) {
    var text = escapeHtml(el.dataset.attribution || "");
    var link = el.dataset.attributionUrl || "";
    return /^https?:\/\//.test(link) ? '<a href="' + escapeHtml(link) + '">' + text + "</a>" : text;
  }

  function baseMap(el, canvas, options) {       // a Leaflet map with the wiki's tiles
    var map = L.map(canvas, options);
    L.tileLayer(el.dataset.tiles, {
      attribution: attribution(el), maxZoom: Number(el.dataset.maxZoom) || 19,
      referrerPolicy: "strict-origin-when-cross-origin"     // tile servers ask where maps are
    }).addTo(map);
    return map;
  }

  function openOnFiches(el, map) {               // the fiches' extent, else the territory's centre
    var box = numbers(el.dataset.bounds, 4);
    if (box) {
      map.fitBounds([[box[0], box[1]], [box[2], box[3]]], {maxZoom: 14, padding: [32, 32]});
    } else {
      map.setView(numbers(el.dataset.centre, 2) || [46.6, 2.4], Number(el.dataset.zoom) || 6);
    }
  }

  function draw(el, layerEls) {
    if (!window.L || !L.markerClusterGroup) return;
    var canvas = document.createElement("div");
    canvas.className = "map-canvas";
    canvas.setAttribute("role", "region");
    canvas.setAttribute("aria-label", el.dataset.label || "Map");
    el.insertBefore(canvas, el.firstChild);
    el.classList.add("map-ready");
    var map = baseMap(el, canvas, {scrollWheelZoom: !el.dataset.embedded});
    openOnFiches(el, map);
    var overlays = {};
    layerEls.forEach(function (layerEl) {
      var group = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 45});
      group.addTo(map);
      overlays[layerName(layerEl)] = group;
      if (!sameSite(layerEl.dataset.geojson)) return;
      fetch(layerEl.dataset.geojson, {credentials: "same-origin", headers: {Accept: "application/geo+json"}})
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
        .then(function (data) { group.addLayers(markers(layerEl, data)); })
        .catch(function () { layerEl.classList.add("map-layer-failed"); });
    });
    if (layerEls.length > 1) {
      L.control.layers(null, overlays, {collapsed: window.innerWidth < 640}).addTo(map);
    }
  }

  // -- the geo field of the fiche form ----------------------------------------------------------

  function round(n) { return Math.round(n * 1e6) / 1e6; }   // 6 decimals: about 10 cm

  function typedPosition(lat, lon) {
    var a = Number(lat.value.replace(",", ".").trim()), b = Number(lon.value.replace(",", ".").trim());
    if (!lat.value.trim() || !lon.value.trim() || !isFinite(a) || !isFinite(b)) return null;
    return Math.abs(a) <= 90 && Math.abs(b) <= 180 ? [a, b] : null;
  }

  function drawPicker(el, lat, lon, fill) {
    var canvas = document.createElement("div");
    canvas.className = "map-canvas geo-picker-canvas";
    canvas.setAttribute("role", "region");
    canvas.setAttribute("aria-label", el.dataset.label || "Map");
    el.appendChild(canvas);
    el.classList.add("map-ready");
    var map = baseMap(el, canvas, {scrollWheelZoom: false});
    var marker = null;
    function moveTo(position, centre) {
      if (!position) {
        if (marker) { marker.remove(); marker = null; }
        return;
      }
      if (!marker) {
        marker = L.marker(position, {draggable: true, keyboard: true, title: el.dataset.label || ""}).addTo(map);
        marker.on("dragend", function () {
          var p = marker.getLatLng();
          fill([p.lat, p.lng]);
        });
      } else {
        marker.setLatLng(position);
      }
      if (centre) map.setView(position, Math.max(map.getZoom() || 0, 15));
    }
    var start = typedPosition(lat, lon);
    if (start) map.setView(start, 15);
    else openOnFiches(el, map);
    moveTo(start, false);
    map.on("click", function (e) {
      fill([e.latlng.lat, e.latlng.lng]);
      moveTo([e.latlng.lat, e.latlng.lng], false);
    });
    [lat, lon].forEach(function (input) {        // typing moves the marker
      input.addEventListener("input", function () { moveTo(typedPosition(lat, lon), true); });
    });
    return {moveTo: moveTo};
  }

  function addressSearch(el, address, choose) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "geo-search";
    button.textContent = el.dataset.search || "Search";
    var results = document.createElement("div");
    results.className = "geo-results";
    results.setAttribute("aria-live", "polite");
    var plain = el.parentNode.querySelector(".geocode-button");   // the button for browsers without JS
    if (plain) plain.hidden = true;
    address.parentNode.insertBefore(button, plain || address.nextSibling);
    address.parentNode.parentNode.insertBefore(results, address.parentNode.nextSibling);

    function say(text) {
      results.textContent = "";
      var p = document.createElement("p");
      p.className = "geo-message";
      p.textContent = text;
      results.appendChild(p);
    }
    function offer(candidates) {
      if (!candidates.length) { say(el.dataset.none || ""); return; }
      say(el.dataset.choose || "");
      var list = document.createElement("ul");
      list.className = "geo-candidates";
      candidates.forEach(function (c) {
        if (!isFinite(c.lat) || !isFinite(c.lon)) return;
        var item = document.createElement("li");
        var pick = document.createElement("button");
        pick.type = "button";
        pick.textContent = String(c.label || "");
        pick.addEventListener("click", function () {
          choose([Number(c.lat), Number(c.lon)]);
          say(String(c.label || ""));
        });
        item.appendChild(pick);
        list.appendChild(item);
      });
      results.appendChild(list);
    }
    function run() {
      var q = address.value.trim();
      if (!q) { say(el.dataset.empty || ""); return; }
      say(el.dataset.searching || "…");
      fetch(el.dataset.geocode + "?q=" + encodeURIComponent(q),
            {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (data) {
            if (!r.ok) say(data && data.error ? String(data.error) : el.dataset.failed || "");
            else offer(data && Array.isArray(data.results) ? data.results : []);
          });
        })
        .catch(function () { say(el.dataset.failed || ""); });
    }
    button.addEventListener("click", run);
    address.addEventListener("keydown", function (e) {   // Enter in the address searches
      if (e.key === "Enter") { e.preventDefault(); run(); }
    });
  }

  function geoField(el) {
    var lat = document.getElementById(el.dataset.lat), lon = document.getElementById(el.dataset.lon);
    var address = document.getElementById(el.dataset.address);
    if (!lat || !lon) return;
    var picker = {moveTo: function () {}};     // until (unless) Leaflet is there
    function fill(position) {                   // the inputs are what the form sends
      lat.value = String(round(position[0]));
      lon.value = String(round(position[1]));
      lat.dispatchEvent(new Event("change", {bubbles: true}));   // editor.js keeps the draft
    }
    if (address && sameSite(el.dataset.geocode)) {
      addressSearch(el, address, function (position) { fill(position); picker.moveTo(position, true); });
    }
    if (el.dataset.js && el.dataset.tiles) {
      loadAssets(el).then(function () { if (window.L) picker = drawPicker(el, lat, lon, fill); },
                          function () { /* the inputs are enough */ });
    }
  }

  function start() {
    document.querySelectorAll(".fiches-map[data-js][data-tiles]").forEach(function (el) {
      var layerEls = Array.prototype.slice.call(el.querySelectorAll(".map-layer[data-geojson]"));
      if (!layerEls.length) return;
      loadAssets(el).then(function () { draw(el, layerEls); }, function () { /* keep the list */ });
    });
    document.querySelectorAll(".geo-picker[data-lat][data-lon]").forEach(geoField);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
