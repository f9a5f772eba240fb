// Charts of the SKU detail page, drawn from the JSON the page embeds (no extra request).
(() => {
  const read = (id) => JSON.parse(JSON.parse(document.getElementById(id).textContent));
  const draw = (canvasId, dataId, type, label, color) => {
    const canvas = document.getElementById(canvasId);
    if (!canvas || !window.Chart) return;
    const data = read(dataId);
    new Chart(canvas, {
      type,
      data: { labels: data.labels, datasets: [{ label, data: data.values, borderColor: color,
        backgroundColor: color + "55", pointRadius: 0, tension: 0.2, fill: type === "line" }] },
      options: { animation: false, plugins: { legend: { display: false } },
        scales: { x: { ticks: { maxTicksLimit: 12 } }, y: { beginAtZero: true } } },
    });
  };
  draw("demand-chart", "demand-data", "line", "Units per week", "#0b6e69");
  draw("expiry-chart", "expiry-data", "bar", "Units expiring", "#d9480f");
})();
