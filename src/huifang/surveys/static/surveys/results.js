// 问卷结果: one bar chart per choice question. Data comes from the
// <script type="application/json" id="result-chart-data"> block (json_script), so no inline
// script is needed under the Content-Security-Policy.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("result-chart-data");
    if (!source || !window.echarts) {
      return;
    }
    var charts = JSON.parse(source.textContent);
    var drawn = [];
    document.querySelectorAll(".result-chart").forEach(function (holder) {
      var data = charts[Number(holder.getAttribute("data-chart"))];
      if (!data) {
        return;
      }
      var chart = window.echarts.init(holder);
      chart.setOption({
        title: { text: data.title, textStyle: { fontSize: 13 }, left: 0 },
        tooltip: { trigger: "axis" },
        grid: { left: 40, right: 20, top: 50, bottom: 50 },
        xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, overflow: "truncate", width: 90 } },
        yAxis: { type: "value", minInterval: 1, name: "人次" },
        series: [{
          type: "bar",
          data: data.counts.map(function (count, i) {
            // Abnormal answers in red: the ones the branch must follow up.
            return { value: count, itemStyle: { color: data.abnormal[i] ? "#d63939" : "#206bc4" } };
          }),
          label: { show: true, position: "top" }
        }]
      });
      drawn.push(chart);
    });
    window.addEventListener("resize", function () {
      drawn.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
