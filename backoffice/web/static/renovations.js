// Signature pads on the renovation pages: the owner draws with a finger, a pen or the mouse;
// on submit the drawing goes into the form's hidden "signature" field as a PNG data URL.
(function () {
  "use strict";
  document.querySelectorAll("form.signed").forEach(function (form) {
    var canvas = form.querySelector("canvas.signature-pad");
    var field = form.querySelector('input[name="signature"]');
    if (!canvas || !field) return;
    var ctx = canvas.getContext("2d");
    var drawn = false;
    var last = null;
    function blank() {
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      drawn = false;
    }
    function at(event) {
      var box = canvas.getBoundingClientRect();
      return [
        (event.clientX - box.left) * (canvas.width / box.width),
        (event.clientY - box.top) * (canvas.height / box.height),
      ];
    }
    blank();
    ctx.strokeStyle = "#111111";
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    canvas.addEventListener("pointerdown", function (event) {
      last = at(event);
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!last) return;
      var point = at(event);
      ctx.beginPath();
      ctx.moveTo(last[0], last[1]);
      ctx.lineTo(point[0], point[1]);
      ctx.stroke();
      last = point;
      drawn = true;
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { last = null; });
    });
    var clear = form.querySelector(".signature-clear");
    if (clear) clear.addEventListener("click", blank);
    form.addEventListener("submit", function () {
      field.value = drawn ? canvas.toDataURL("image/png") : "";
    });
  });
})();
