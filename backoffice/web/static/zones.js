/* Zone editor: draws the zones and the detector's boxes over the latest frame, and lets an
   editor click a polygon's corners (stored as shares 0..1 of the frame's width and height). */
(function () {
  "use strict";
  var img = document.getElementById("frame");
  var canvas = document.getElementById("overlay");
  if (!img || !canvas) { return; }
  var data = JSON.parse(document.getElementById("overlay-data").textContent);
  var form = document.getElementById("zone-form");
  var status = document.getElementById("polygon-status");
  var points = [];
  var closed = false;
  var editing = null;
  var ctx = canvas.getContext("2d");

  function size() {
    canvas.width = img.clientWidth;
    canvas.height = img.clientHeight;
    draw();
  }
  function path(poly) {
    ctx.beginPath();
    poly.forEach(function (p, i) {
      var x = p[0] * canvas.width, y = p[1] * canvas.height;
      if (i) { ctx.lineTo(x, y); } else { ctx.moveTo(x, y); }
    });
  }
  function draw() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.lineWidth = 3;
    ctx.font = "bold 15px sans-serif";
    data.zones.forEach(function (z) {
      if (editing === z.id) { return; }
      var colour = z.rule === "no_parking" ? "46,197,232" : "251,191,36";
      path(z.polygon); ctx.closePath();
      ctx.fillStyle = "rgba(" + colour + ",0.18)"; ctx.fill();
      ctx.strokeStyle = "rgb(" + colour + ")"; ctx.stroke();
      ctx.fillStyle = "rgb(" + colour + ")";
      ctx.fillText(z.name, z.polygon[0][0] * canvas.width + 6, z.polygon[0][1] * canvas.height + 18);
    });
    var w = data.width || img.naturalWidth, h = data.height || img.naturalHeight;
    data.detections.forEach(function (d) {
      var sx = canvas.width / w, sy = canvas.height / h;
      ctx.strokeStyle = "#f87171"; ctx.lineWidth = 2;
      ctx.strokeRect(d.box[0] * sx, d.box[1] * sy, (d.box[2] - d.box[0]) * sx, (d.box[3] - d.box[1]) * sy);
      ctx.fillStyle = "#f87171";
      ctx.fillText(d.kind + " " + Math.round(d.score * 100) + "%", d.box[0] * sx, d.box[1] * sy - 4);
    });
    if (points.length) {
      ctx.strokeStyle = "#34d399"; ctx.lineWidth = 3;
      path(points);
      if (closed) { ctx.closePath(); ctx.fillStyle = "rgba(52,211,153,0.25)"; ctx.fill(); }
      ctx.stroke();
      points.forEach(function (p) {
        ctx.fillStyle = "#34d399";
        ctx.beginPath(); ctx.arc(p[0] * canvas.width, p[1] * canvas.height, 5, 0, 2 * Math.PI); ctx.fill();
      });
    }
  }
  function sync() {
    if (!form) { return; }
    form.elements.polygon.value = closed ? JSON.stringify(points) : "";
    status.textContent = closed ? points.length + " ✓" : (points.length ? points.length + " …" : "—");
  }
  function round(v) { return Math.round(Math.min(1, Math.max(0, v)) * 10000) / 10000; }
  if (form) {
    canvas.addEventListener("click", function (ev) {
      var rect = canvas.getBoundingClientRect();
      var p = [round((ev.clientX - rect.left) / rect.width), round((ev.clientY - rect.top) / rect.height)];
      if (closed) { points = []; closed = false; }
      if (points.length >= 3) {
        var first = points[0];
        var dx = (first[0] - p[0]) * rect.width, dy = (first[1] - p[1]) * rect.height;
        if (Math.sqrt(dx * dx + dy * dy) < 12) { closed = true; draw(); sync(); return; }
      }
      points.push(p); draw(); sync();
    });
    document.getElementById("draw-finish").addEventListener("click", function () {
      if (points.length >= 3) { closed = true; draw(); sync(); }
    });
    document.getElementById("draw-clear").addEventListener("click", function () {
      points = []; closed = false; draw(); sync();
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-edit]"), function (button) {
      button.addEventListener("click", function () {
        var id = parseInt(button.getAttribute("data-edit"), 10);
        var zone = data.zones.filter(function (z) { return z.id === id; })[0];
        editing = id;
        points = zone.polygon.map(function (p) { return [p[0], p[1]]; });
        closed = true;
        form.elements.replace_id.value = String(id);
        form.elements.name.value = zone.name;
        form.elements.rule.value = zone.rule;
        var row = button.closest("tr").children;
        form.elements.dwell_s.value = row[2].textContent.trim();
        document.getElementById("zone-form-title").textContent = button.textContent + " · " + zone.name;
        draw(); sync();
      });
    });
  }
  if (img.complete) { size(); } else { img.addEventListener("load", size); }
  window.addEventListener("resize", size);
})();
