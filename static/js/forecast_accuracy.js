// Histogram of the champions' backtest MASE (data embedded in the page): green below 1.
(() => {
  const canvas = document.getElementById("mase-histogram");
  if (!canvas || !window.Chart) return;
  const data = JSON.parse(JSON.parse(document.getElementById("histogram-data").textContent));
  new Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: "SKU-sites", data: data.counts,
      backgroundColor: data.labels.map((_, i) => (i < 4 ? "#0b6e69" : "#d9480f")) }] },
    options: { animation: false, plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true } } },
  });
})();
