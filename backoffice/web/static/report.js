/* The weekly report's charts, drawn with the vendored Chart.js from the data the page carries. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var zh = data.lang === "zh";
  Chart.defaults.color = "#c9d5ea";
  Chart.defaults.borderColor = "#24324f";
  Chart.defaults.font.size = 14;
  Chart.defaults.animation = false;
  function bar(id, rows, label, color, horizontal) {
    var el = document.getElementById(id);
    if (!el) { return; }
    new Chart(el, {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r[0]; }),
        datasets: [{ label: label, data: rows.map(function (r) { return r[1]; }), backgroundColor: color }]
          .concat(rows.length && rows[0].length > 2 ? [{
            label: zh ? "上周" : "Last week", data: rows.map(function (r) { return r[2]; }), backgroundColor: "#51607d"
          }] : [])
      },
      options: { indexAxis: horizontal ? "y" : "x", maintainAspectRatio: false,
        plugins: { legend: { display: rows.length && rows[0].length > 2 } },
        scales: horizontal ? { x: { beginAtZero: true, ticks: { precision: 0 } } } : { y: { beginAtZero: true } } }
    });
  }
  bar("chart-types", data.types, zh ? "本周" : "This week", "#2ec5e8", true);
  bar("chart-roads", data.roads, zh ? "案件数" : "Cases", "#f87171", true);
  bar("chart-units", data.units, zh ? "按时率 %" : "On time %", "#34d399", false);
  var daily = document.getElementById("chart-daily");
  if (daily) {
    new Chart(daily, {
      type: "line",
      data: { labels: data.daily.map(function (r) { return r[0]; }),
        datasets: [{ label: zh ? "案件数" : "Cases", data: data.daily.map(function (r) { return r[1]; }),
          borderColor: "#fbbf24", backgroundColor: "rgba(251,191,36,.2)", fill: true, tension: 0.3 }] },
      options: { maintainAspectRatio: false, plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
})();
