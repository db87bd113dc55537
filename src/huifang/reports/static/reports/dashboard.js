// 汇总统计: the charts, each bar or slice leading to the list of exactly its rows, and the
// branch tree's expand/collapse. Data comes from the json_script block "dashboard-data"
// (no inline script under the Content-Security-Policy).
(function () {
  "use strict";

  function go(urls) {
    return function (p) {
      var url = urls[p.dataIndex];
      if (url) { window.location.href = url; }
    };
  }

  // Who asked the system for less motion gets the charts drawn at once, not grown.
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function draw(id, option, onClick) {
    var holder = document.getElementById(id);
    if (!holder || !window.echarts) { return; }
    var chart = window.echarts.init(holder);
    if (still) { option.animation = false; }
    chart.setOption(option);
    if (onClick) { chart.on("click", onClick); }
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function bar(id, d, name) {
    draw(id, {
      tooltip: { trigger: "axis" },
      grid: { left: 50, right: 20, top: 20, bottom: 60 },
      xAxis: { type: "category", data: d.labels, axisLabel: { rotate: d.labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: name, type: "bar", data: d.values, cursor: "pointer" }]
    }, go(d.urls));
  }

  function charts(data) {
    if (data.reasons) { bar("chart-reasons", data.reasons, "记录数"); }
    if (data.daily) { bar("chart-daily", data.daily, "记录数"); }
    if (data.channels) {
      draw("chart-channels", {
        tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
        legend: { bottom: 0 },
        series: [{
          type: "pie", radius: ["35%", "65%"], cursor: "pointer",
          data: data.channels.labels.map(function (l, i) { return { name: l, value: data.channels.values[i] }; })
        }]
      }, go(data.channels.urls));
    }
    if (data.agents) {
      var a = data.agents;
      draw("chart-agents", {
        tooltip: { trigger: "axis" },
        legend: { data: ["回访次数", "成功次数"], top: 0 },
        grid: { left: 50, right: 20, top: 40, bottom: 60 },
        xAxis: { type: "category", data: a.labels },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "回访次数", type: "bar", data: a.attempts, cursor: "pointer" },
          { name: "成功次数", type: "bar", data: a.successes, cursor: "pointer" }
        ]
      }, function (p) {
        var urls = p.seriesIndex === 0 ? a.attempt_urls : a.success_urls;
        if (urls[p.dataIndex]) { window.location.href = urls[p.dataIndex]; }
      });
    }
    if (data.burndown) {
      var b = data.burndown;
      draw("chart-burndown", {
        tooltip: { trigger: "axis" },
        legend: { data: ["未完成任务", "参考线"], top: 0 },
        grid: { left: 50, right: 20, top: 40, bottom: 40 },
        xAxis: { type: "category", data: b.days },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "未完成任务", type: "line", data: b.remaining, step: "end" },
          { name: "参考线", type: "line", data: b.ideal, lineStyle: { type: "dashed" }, showSymbol: false }
        ]
      });
    }
  }

  function tree() {
    var table = document.getElementById("progress-branch");
    if (!table) { return; }
    function setHidden(key, hidden) {
      table.querySelectorAll('tr[data-parent="' + key + '"]').forEach(function (row) {
        row.hidden = hidden;
        var toggle = row.querySelector(".tree-toggle");
        // A collapsed child keeps its own children hidden when its parent reopens.
        if (hidden || !toggle || toggle.getAttribute("aria-expanded") === "true") {
          setHidden(row.dataset.key, hidden);
        }
      });
    }
    table.querySelectorAll(".tree-toggle").forEach(function (button) {
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") === "true";
        button.setAttribute("aria-expanded", open ? "false" : "true");
        button.textContent = open ? "▸" : "▾";
        setHidden(button.dataset.key, open);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("dashboard-data");
    if (source) { charts(JSON.parse(source.textContent)); }
    tree();
  });
})();
