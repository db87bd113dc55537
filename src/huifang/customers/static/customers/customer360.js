// Customer 360 page: the year's daily equity and PnL chart, and the year selector.
// Data comes from the <script type="application/json" id="customer-chart-data"> block
// (json_script), so no inline script is needed under the Content-Security-Policy.
(function () {
  "use strict";

  function drawChart() {
    var holder = document.getElementById("customer-chart");
    var source = document.getElementById("customer-chart-data");
    if (!holder || !source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    // Amounts arrive as exact decimal strings; the chart only needs display precision.
    var equity = data.equity.map(Number);
    var pnl = data.pnl.map(Number);
    var chart = window.echarts.init(holder);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: ["当日权益", "当日盈亏"], top: 0 },
      grid: { left: 80, right: 80, top: 60, bottom: 70 },
      dataZoom: [{ type: "inside" }, { type: "slider" }],
      xAxis: { type: "category", data: data.dates },
      yAxis: [
        { type: "value", name: "权益（元）", scale: true },
        { type: "value", name: "盈亏（元）" }
      ],
      series: [
        { name: "当日权益", type: "line", data: equity, showSymbol: false },
        {
          name: "当日盈亏",
          type: "bar",
          yAxisIndex: 1,
          data: pnl,
          // Chinese market colours: gains red, losses green.
          itemStyle: {
            color: function (p) { return p.value >= 0 ? "#d63939" : "#2fb344"; }
          }
        }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function autoSubmitYear() {
    var form = document.getElementById("year-form");
    if (!form) {
      return;
    }
    var select = form.querySelector("select[name=year]");
    select.addEventListener("change", function () { form.submit(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawChart();
    autoSubmitYear();
  });
})();
