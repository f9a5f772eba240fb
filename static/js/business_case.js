// The business case's weekly series: textbook against optimized, one chart per measure.
(() => {
  const source = document.getElementById("business-case-data");
  if (!source || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const percent = (values) => values.map((v) => (v === null ? null : Math.round(v * 10000) / 100));
  const charts = {
    "chart-fill-rate": { key: "fill_rate", axis: "fill rate %", scale: percent },
    "chart-inventory": { key: "average_inventory_value", axis: "average inventory value" },
    "chart-expired": { key: "expired_value", axis: "value written off at expiry" },
    "chart-stockouts": { key: "stockout_rate", axis: "SKU-site-days short %", scale: percent },
  };
  for (const [id, chart] of Object.entries(charts)) {
    const canvas = document.getElementById(id);
    if (!canvas) continue;
    const scale = chart.scale || ((values) => values);
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.weeks,
        datasets: [
          { label: "Textbook", data: scale(data.textbook[chart.key]), borderColor: "#6c757d", backgroundColor: "#6c757d", pointRadius: 2 },
          { label: "Optimized", data: scale(data.optimized[chart.key]), borderColor: "#0b6e69", backgroundColor: "#0b6e69", pointRadius: 2 },
        ],
      },
      options: {
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { title: { display: true, text: chart.axis } }, x: { title: { display: true, text: "week from" } } },
      },
    });
  }
})();
