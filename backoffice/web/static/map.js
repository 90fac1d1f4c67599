/* The subdistrict map, drawn as SVG from the back office's own geometry (no tiles, no internet).
   svg[data-map=ops]: the ops map with cases, cameras, terminals, fill, filters and time slider.
   svg[data-map=pick]: a location picker; a click fills the form's lon/lat and shows the place. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var M_PER_DEG_LAT = 110574;

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  // Equirectangular in metres about the subdistrict's centre: fine for a few kilometres.
  function Projection(grids) {
    var minLon = Infinity, minLat = Infinity, maxLon = -Infinity, maxLat = -Infinity;
    grids.forEach(function (g) {
      g.geometry.coordinates[0].forEach(function (p) {
        minLon = Math.min(minLon, p[0]); maxLon = Math.max(maxLon, p[0]);
        minLat = Math.min(minLat, p[1]); maxLat = Math.max(maxLat, p[1]);
      });
    });
    var kx = M_PER_DEG_LAT * Math.cos((minLat + maxLat) / 2 * Math.PI / 180);
    this.minLon = minLon; this.maxLat = maxLat; this.kx = kx;
    this.width = (maxLon - minLon) * kx; this.height = (maxLat - minLat) * M_PER_DEG_LAT;
  }
  Projection.prototype.xy = function (lon, lat) {
    return [(lon - this.minLon) * this.kx, (this.maxLat - lat) * M_PER_DEG_LAT];
  };
  Projection.prototype.lonLat = function (x, y) {
    return [this.minLon + x / this.kx, this.maxLat - y / M_PER_DEG_LAT];
  };
  Projection.prototype.points = function (coords) {
    var self = this;
    return coords.map(function (p) { var q = self.xy(p[0], p[1]); return q[0].toFixed(1) + "," + q[1].toFixed(1); }).join(" ");
  };

  function centre(geometry) {
    if (geometry.type === "Point") { return geometry.coordinates; }
    var ring = geometry.type === "LineString" ? geometry.coordinates : geometry.coordinates[0];
    var pts = geometry.type === "LineString" ? ring : ring.slice(0, -1);
    var sx = 0, sy = 0;
    pts.forEach(function (p) { sx += p[0]; sy += p[1]; });
    return [sx / pts.length, sy / pts.length];
  }

  function drawShape(layer, proj, place, cls) {
    var g = place.geometry;
    var node;
    if (g.type === "Polygon") {
      node = el("polygon", { points: proj.points(g.coordinates[0]), "class": cls, "data-code": place.code }, layer);
    } else if (g.type === "LineString") {
      node = el("polyline", { points: proj.points(g.coordinates), "class": cls, "data-code": place.code }, layer);
    } else {
      var q = proj.xy(g.coordinates[0], g.coordinates[1]);
      node = el("circle", { cx: q[0], cy: q[1], r: 9, "class": cls, "data-code": place.code }, layer);
    }
    el("title", {}, node).textContent = place.name;
    return node;
  }

  function drawBase(svg, data) {
    var places = data.places || {};
    var grids = places.grid || [];
    var proj = new Projection(grids);
    var pad = 60;
    svg.setAttribute("viewBox", [-pad, -pad, proj.width + 2 * pad, proj.height + 2 * pad].map(function (v) { return v.toFixed(0); }).join(" "));
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    var layers = {};
    ["community", "grid", "site", "road", "labels", "collection", "terminal", "camera", "cases"].forEach(function (name) {
      layers[name] = el("g", { "class": "layer layer-" + name, "data-layer": name }, svg);
    });
    (places.community || []).forEach(function (p) { drawShape(layers.community, proj, p, "community"); });
    grids.forEach(function (p) {
      drawShape(layers.grid, proj, p, "grid");
      var c = proj.xy.apply(proj, centre(p.geometry));
      var label = el("text", { x: c[0], y: c[1], "class": "grid-label" }, layers.labels);
      label.textContent = p.name;
    });
    ["compound", "building", "park"].forEach(function (kind) {
      (places[kind] || []).forEach(function (p) { drawShape(layers.site, proj, p, "site site-" + kind); });
    });
    (places.road || []).forEach(function (p) {
      drawShape(layers.road, proj, p, "road");
      var coords = p.geometry.coordinates;
      var a = proj.xy(coords[0][0], coords[0][1]);
      var b = proj.xy(coords[coords.length - 1][0], coords[coords.length - 1][1]);
      var mid = proj.xy.apply(proj, centre(p.geometry));
      var angle = Math.atan2(b[1] - a[1], b[0] - a[0]) * 180 / Math.PI;
      if (angle > 90) { angle -= 180; } else if (angle < -90) { angle += 180; }
      var text = el("text", { x: mid[0], y: mid[1] - 6, "class": "road-label", transform: "rotate(" + angle.toFixed(1) + " " + mid[0].toFixed(1) + " " + mid[1].toFixed(1) + ")" }, layers.labels);
      text.textContent = p.name;
    });
    var fills = data.fills || {};
    (places.collection_point || []).forEach(function (p) {
      var fill = fills[p.code];
      var cls = "collection fill-none";
      if (fill !== undefined && p.threshold) {
        cls = "collection " + (fill >= p.threshold ? "fill-over" : fill >= 0.8 * p.threshold ? "fill-near" : "fill-low");
      }
      var node = drawShape(layers.collection, proj, p, cls);
      if (fill !== undefined) { node.querySelector("title").textContent += " · " + Math.round(fill * 100) + "%"; }
      node.setAttribute("r", 9);
    });
    (data.cameras || []).forEach(function (c) {
      var q = proj.xy(c.lon, c.lat);
      var node = el("rect", { x: q[0] - 14, y: q[1] - 14, width: 28, height: 28, "class": "camera camera-" + c.status, "data-code": c.code }, layers.camera);
      el("title", {}, node).textContent = c.code + " " + c.name;
    });
    (data.terminals || []).forEach(function (t) {
      if (t.lon === null || t.lat === null) { return; }
      var q = proj.xy(t.lon, t.lat);
      var node = el("path", { d: "M" + q[0] + " " + (q[1] - 18) + " l18 18 l-18 18 l-18 -18 z", "class": "terminal", "data-code": t.code }, layers.terminal);
      el("title", {}, node).textContent = t.code + " " + t.name;
    });
    return { proj: proj, layers: layers };
  }

  function stateGroup(c) {
    if (c.overdue) { return "case-overdue"; }
    if (c.state === "reported" || c.state === "filed") { return "case-new"; }
    if (c.state === "dispatched" || c.state === "handling" || c.state === "held") { return "case-running"; }
    if (c.state === "handled" || c.state === "verified") { return "case-done"; }
    return "case-closed";
  }

  function opsMap(svg, data) {
    var drawn = drawBase(svg, data);
    var proj = drawn.proj;
    var form = document.getElementById("map-filters");
    var until = document.getElementById("map-until");
    var count = document.getElementById("map-count");
    var weekStart = new Date(data.week_start).getTime();
    var lang = document.body.getAttribute("data-lang") === "en" ? "en-GB" : "zh-CN";
    var markers = [];
    (data.cases || []).forEach(function (c) {
      if (c.lon === null || c.lat === null) { return; }
      var q = proj.xy(c.lon, c.lat);
      var node = el("circle", {
        cx: q[0].toFixed(1), cy: q[1].toFixed(1), r: c.approx ? 16 : 20,
        "class": "case " + stateGroup(c) + (c.approx ? " approx" : ""),
        "data-number": c.number, "data-state": c.state, "data-type": c.type,
        "data-grid": c.grid || "", "data-source": c.source, tabindex: 0
      }, drawn.layers.cases);
      el("title", {}, node).textContent = c.number + " " + c.type_name + (c.road ? " · " + c.road : "") +
        (c.approx ? " · " + svg.getAttribute("data-approx-label") : "");
      function go() { location.href = "/ops/cases/" + encodeURIComponent(c.number); }
      node.addEventListener("click", go);
      node.addEventListener("keydown", function (e) { if (e.key === "Enter") { go(); } });
      markers.push({ node: node, c: c, at: new Date(c.reported_at).getTime() });
    });
    function apply() {
      var state = form.state.value, type = form.type.value, source = form.source.value;
      var overdue = form.overdue.checked;
      var limit = weekStart + parseInt(form.time.value, 10) * 3600 * 1000;
      until.textContent = new Date(limit).toLocaleString(lang, { timeZone: "Asia/Shanghai", hour12: false, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
      var shown = 0;
      markers.forEach(function (m) {
        var c = m.c;
        var ok = m.at <= limit;
        if (state === "open") { ok = ok && c.open; }
        else if (state === "closed") { ok = ok && !c.open; }
        else if (state) { ok = ok && c.state === state; }
        if (type) { ok = ok && (c.type === type || c.type.indexOf(type + "-") === 0); }
        if (source) { ok = ok && c.source === source; }
        if (overdue) { ok = ok && c.overdue; }
        m.node.style.display = ok ? "" : "none";
        m.node.setAttribute("data-shown", ok ? "1" : "0");
        if (ok) { shown += 1; }
      });
      count.textContent = shown + " / " + markers.length;
      Array.prototype.forEach.call(form.querySelectorAll("input[name=layer]"), function (box) {
        var layer = svg.querySelector("[data-layer=" + box.value + "]");
        if (layer) { layer.style.display = box.checked ? "" : "none"; }
      });
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    apply();
    svg.setAttribute("data-ready", "1");
  }

  // The picker: a click anywhere on the map is the place; the form gets lon and lat.
  function pickMap(svg, data) {
    var drawn = drawBase(svg, data);
    var form = svg.closest("form");
    var marker = null;
    var info = document.getElementById(svg.getAttribute("data-info") || "pick-info");
    function put(lon, lat) {
      form.elements.lon.value = lon.toFixed(7);
      form.elements.lat.value = lat.toFixed(7);
      var q = drawn.proj.xy(lon, lat);
      if (!marker) { marker = el("circle", { r: 22, "class": "picked" }, drawn.layers.cases); }
      marker.setAttribute("cx", q[0].toFixed(1));
      marker.setAttribute("cy", q[1].toFixed(1));
      fetch("/ops/api/locate?lon=" + lon.toFixed(7) + "&lat=" + lat.toFixed(7), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (where) {
          if (!info) { return; }
          info.textContent = where.detail ? where.detail :
            [where.community_name, where.grid_name, where.road_name + (where.road_distance_m !== null ? " (" + Math.round(where.road_distance_m) + " m)" : "")].filter(Boolean).join(" · ");
          info.setAttribute("data-grid", where.grid || "");
          info.setAttribute("data-road", where.road || "");
        });
    }
    svg.addEventListener("click", function (e) {
      var pt = svg.createSVGPoint();
      pt.x = e.clientX; pt.y = e.clientY;
      var local = pt.matrixTransform(svg.getScreenCTM().inverse());
      var ll = drawn.proj.lonLat(local.x, local.y);
      put(ll[0], ll[1]);
    });
    // Road + landmark: the landmark's point is the place.
    var road = form.elements.road_code;
    var landmark = form.elements.landmark;
    var landmarkPoints = {};
    if (road && landmark) {
      road.addEventListener("change", function () {
        landmark.textContent = "";
        var blank = document.createElement("option");
        blank.value = ""; blank.textContent = "—";
        landmark.appendChild(blank);
        if (!road.value) { return; }
        fetch("/ops/api/landmarks?road=" + encodeURIComponent(road.value), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (list) {
            landmarkPoints = {};
            list.forEach(function (lm) {
              var option = document.createElement("option");
              option.value = lm.code; option.textContent = lm.name;
              landmark.appendChild(option);
              landmarkPoints[lm.code] = [lm.lon, lm.lat];
            });
            landmark.setAttribute("data-loaded", road.value);
          });
      });
      landmark.addEventListener("change", function () {
        var p = landmarkPoints[landmark.value];
        if (p) { put(p[0], p[1]); }
      });
    }
    svg.setAttribute("data-ready", "1");
  }

  var svg = document.querySelector("svg[data-map]");
  if (!svg) { return; }
  fetch("/ops/api/map", { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      if (svg.getAttribute("data-map") === "pick") { pickMap(svg, data); } else { opsMap(svg, data); }
    });
})();
