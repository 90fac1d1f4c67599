/* Zhili ops pages: the clock, the dashboard's own refresh, and the AI-patrol alarm. */
(function () {
  "use strict";
  var body = document.body;
  var csrf = body.getAttribute("data-csrf") || "";

  var clock = document.getElementById("clock");
  function tick() {
    if (clock) {
      clock.textContent = new Date().toLocaleString(body.getAttribute("data-lang") === "en" ? "en-GB" : "zh-CN",
        { timeZone: "Asia/Shanghai", hour12: false });
    }
  }
  tick();
  setInterval(tick, 1000);

  // The alarm: a banner and a two-tone beep (made here, no sound file) until acknowledged.
  var alarm = document.getElementById("alarm");
  var alarmList = document.getElementById("alarm-list");
  var audio = null;
  var beeping = null;
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.35].forEach(function (offset, i) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.frequency.value = i ? 660 : 880;
        gain.gain.value = 0.2;
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(audio.currentTime + offset); osc.stop(audio.currentTime + offset + 0.25);
      });
    } catch (e) { /* no audio device: the banner still shows */ }
  }
  function showAlarms(alarms) {
    if (!alarm || !alarms) { return; }
    if (!alarms.length) {
      alarm.hidden = true;
      if (beeping) { clearInterval(beeping); beeping = null; }
      return;
    }
    alarmList.textContent = "";
    var escalated = false;
    alarms.forEach(function (a, i) {
      if (i) { alarmList.appendChild(document.createTextNode(" · ")); }
      var link = document.createElement("a");
      link.href = "/ops/cases/" + encodeURIComponent(a.number);
      link.className = "alarm-case";
      link.setAttribute("data-number", a.number);
      link.textContent = a.number + " " + a.type + (a.road ? " (" + a.road + ")" : "");
      alarmList.appendChild(link);
      if (a.escalated) {
        escalated = true;
        var badge = document.createElement("span");
        badge.className = "alarm-escalated";
        badge.setAttribute("data-number", a.number);
        badge.textContent = alarm.getAttribute("data-escalated-label") + ", " +
          alarm.getAttribute("data-minutes-label").replace("{m}", a.minutes);
        alarmList.appendChild(badge);
      }
    });
    alarm.hidden = false;
    body.setAttribute("data-alarm", "on");
    body.setAttribute("data-alarm-escalated", escalated ? "on" : "off");
    if (!beeping) { beep(); beeping = setInterval(beep, 4000); }
  }
  var ack = document.getElementById("alarm-ack");
  if (ack) {
    ack.addEventListener("click", function () {
      fetch("/ops/api/alarms/ack", { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" })
        .then(function (r) { if (r.ok) { showAlarms([]); body.setAttribute("data-alarm", "off"); } });
    });
  }

  function setText(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value; }
  }
  function refresh() {
    fetch("/ops/api/summary", { credentials: "same-origin" })
      .then(function (r) { if (r.status === 401 || r.redirected) { location.reload(); } return r.json(); })
      .then(function (data) {
        if (data.cases) {
          ["new_today", "open", "overdue", "closed_today"].forEach(function (k) { setText("v-" + k, data.cases[k]); });
          setText("v-auto_dispatch_rate", data.cases.auto_dispatch_rate === null ? "—" : data.cases.auto_dispatch_rate + "%");
          var overdue = document.getElementById("tile-overdue");
          if (overdue) { overdue.classList.toggle("tile-bad", data.cases.overdue > 0); }
        }
        if ("satisfaction_rate" in data) {
          setText("v-satisfaction_rate", data.satisfaction_rate === null ? "—" : data.satisfaction_rate + "%");
        }
        if (data.cameras) {
          setText("v-cameras_online", data.cameras.online);
          setText("v-cameras_total", data.cameras.total);
        }
        if (data.terminals) {
          setText("v-terminals_online", data.terminals.online);
          setText("v-terminals_total", data.terminals.total);
        }
        if (data.home_visits) {
          setText("v-home_waiting", data.home_visits.waiting);
          setText("v-home_today", data.home_visits.today);
          setText("v-home_done_7d", data.home_visits.done_7d);
        }
        showAlarms(data.alarms);
        setText("updated", new Date().toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false }));
      })
      .catch(function () { /* the next tick tries again */ });
  }
  if (csrf) {
    refresh();
    var board = document.getElementById("dashboard");
    var every = board ? parseInt(board.getAttribute("data-refresh"), 10) : 30;
    setInterval(refresh, Math.max(2, every) * 1000);
  }
})();
