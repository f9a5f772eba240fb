// Backtest by ABC class: inventory value (bars) and fill rate (points), textbook against ours.
(() => {
  const canvas = document.getElementById("simulation-chart");
  if (!canvas || !window.Chart) return;
  const data = JSON.parse(JSON.parse(document.getElementById("simulation-data").textContent));
  const percent = (values) => values.map((v) => (v === null ? null : Math.round(v * 10000) / 100));
  new Chart(canvas, {
    data: {
      labels: data.labels,
      datasets: [
        { type: "bar", label: "Inventory value, textbook", data: data.value_textbook, backgroundColor: "rgba(108,117,125,0.5)", yAxisID: "value" },
        { type: "bar", label: "Inventory value, ours", data: data.value_optimized, backgroundColor: "#0b6e69", yAxisID: "value" },
        { type: "line", label: "Fill rate %, textbook", data: percent(data.fill_textbook), borderColor: "#6c757d", showLine: false, pointRadius: 6, yAxisID: "fill" },
        { type: "line", label: "Fill rate %, ours", data: percent(data.fill_optimized), borderColor: "#d9480f", backgroundColor: "#d9480f", showLine: false, pointRadius: 6, yAxisID: "fill" },
      ],
    },
    options: {
      animation: false,
      scales: {
        value: { position: "left", beginAtZero: true, title: { display: true, text: "Average inventory value" } },
        fill: { position: "right", min: 80, max: 100, grid: { drawOnChartArea: false }, title: { display: true, text: "Fill rate %" } },
      },
    },
  });
})();
