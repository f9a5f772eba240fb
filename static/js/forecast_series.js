// History, forecast and 80/95 % bands of one SKU-site (data embedded in the page).
(() => {
  const canvas = document.getElementById("forecast-chart");
  if (!canvas || !window.Chart) return;
  const data = JSON.parse(JSON.parse(document.getElementById("forecast-data").textContent));
  const band = (label, values, fillTo, color) => ({ label, data: values, borderWidth: 0,
    pointRadius: 0, backgroundColor: color, fill: fillTo });
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        band("95 % upper", data.upper_95, false, "transparent"),
        band("95 % band", data.lower_95, 0, "rgba(11,110,105,0.12)"),
        band("80 % upper", data.upper_80, false, "transparent"),
        band("80 % band", data.lower_80, 2, "rgba(11,110,105,0.25)"),
        { label: "Demand", data: data.history, borderColor: "#495057", borderWidth: 1.2, pointRadius: 0 },
        { label: "Forecast", data: data.forecast, borderColor: "#0b6e69", borderWidth: 2, pointRadius: 0 },
        ...(data.adjusted ? [{ label: "With overrides", data: data.adjusted, borderColor: "#d9480f",
          borderWidth: 2, borderDash: [6, 3], pointRadius: 0 }] : []),
      ],
    },
    options: {
      animation: false, spanGaps: false, interaction: { mode: "index", intersect: false },
      plugins: { legend: { labels: { filter: (item) => !item.text.endsWith("upper") } } },
      scales: { x: { ticks: { maxTicksLimit: 12 } }, y: { beginAtZero: true } },
    },
  });
})();
