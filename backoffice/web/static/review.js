/* Box review: the patrol's boxes dashed, the real objects solid over a labelled frame; an
   editor drags a new box (the kind chosen beside it), removes a wrong one, and saves them
   as pixel boxes of the frame. */
(function () {
  "use strict";
  var img = document.getElementById("review-frame");
  var canvas = document.getElementById("review-overlay");
  if (!img || !canvas) { return; }
  var data = JSON.parse(document.getElementById("review-data").textContent);
  var editable = JSON.parse(document.getElementById("review-editable").textContent);
  var objects = data.objects.map(function (o) { return { kind: o.kind, box: o.box.slice() }; });
  var form = document.getElementById("review-form");
  var rows = document.querySelector("#object-table tbody");
  var kind = document.getElementById("new-kind");
  var ctx = canvas.getContext("2d");
  var dragging = null;
  var COLOURS = { bike: "#2ec5e8", waste: "#fbbf24" };

  function scale() { return [canvas.width / data.width, canvas.height / data.height]; }
  function rect(box, colour, dashed) {
    var s = scale();
    ctx.setLineDash(dashed ? [6, 4] : []);
    ctx.strokeStyle = colour; ctx.lineWidth = dashed ? 2 : 3;
    ctx.strokeRect(box[0] * s[0], box[1] * s[1], (box[2] - box[0]) * s[0], (box[3] - box[1]) * s[1]);
  }
  function draw() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    data.detected.forEach(function (d) { rect(d.box, "#f87171", true); });
    ctx.font = "bold 14px sans-serif";
    objects.forEach(function (o, i) {
      var s = scale(), colour = COLOURS[o.kind] || "#34d399";
      rect(o.box, colour, false);
      ctx.setLineDash([]); ctx.fillStyle = colour;
      ctx.fillText(String(i + 1), o.box[0] * s[0] + 4, o.box[1] * s[1] + 15);
    });
    if (dragging && dragging.to) { rect(box(dragging), "#34d399", false); }
  }
  function box(d) {
    return [Math.min(d.from[0], d.to[0]), Math.min(d.from[1], d.to[1]),
            Math.max(d.from[0], d.to[0]), Math.max(d.from[1], d.to[1])];
  }
  function table() {
    rows.innerHTML = "";
    objects.forEach(function (o, i) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-object", String(i + 1));
      tr.innerHTML = "<td>" + (i + 1) + "</td><td></td><td></td><td></td>";
      tr.children[1].textContent = (data.kinds || {})[o.kind] || o.kind;
      tr.children[2].textContent = o.box.map(function (v) { return Math.round(v); }).join(" ");
      if (editable) {
        var remove = document.createElement("button");
        remove.type = "button"; remove.className = "btn small ghost"; remove.textContent = "×";
        remove.setAttribute("aria-label", "remove box " + (i + 1));
        remove.addEventListener("click", function () { objects.splice(i, 1); table(); draw(); });
        tr.children[3].appendChild(remove);
      }
      rows.appendChild(tr);
    });
    form.elements.boxes.value = JSON.stringify(objects);
  }
  function at(event) {
    var r = canvas.getBoundingClientRect();
    return [(event.clientX - r.left) * data.width / r.width, (event.clientY - r.top) * data.height / r.height];
  }
  function size() { canvas.width = img.clientWidth; canvas.height = img.clientHeight; draw(); }
  if (editable) {
    canvas.addEventListener("pointerdown", function (e) {
      e.preventDefault(); canvas.setPointerCapture(e.pointerId); dragging = { from: at(e), to: null };
    });
    window.addEventListener("pointermove", function (e) { if (dragging) { dragging.to = at(e); draw(); } });
    window.addEventListener("pointerup", function () {
      if (!dragging) { return; }  // a click elsewhere (a remove button) keeps the table as it is
      if (dragging.to) {
        var b = box(dragging);
        if (b[2] - b[0] >= 2 && b[3] - b[1] >= 2) {
          objects.push({ kind: kind.value, box: b.map(function (v) { return Math.round(v * 10) / 10; }) });
        }
      }
      dragging = null; table(); draw();
    });
  } else { canvas.style.cursor = "default"; }
  if (img.complete) { size(); } else { img.addEventListener("load", size); }
  window.addEventListener("resize", size);
  table();
}());
