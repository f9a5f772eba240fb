// Charts of the overview dashboard, drawn from the snapshot embedded in the page.
(() => {
  const source = document.getElementById("dashboard-data");
  if (!source || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  const base = { animation: false, maintainAspectRatio: true };

  const trend = document.getElementById("trend-chart");
  if (trend) {
    new Chart(trend, {
      data: {
        labels: data.trend.map((w) => w.end),
        datasets: [
          { type: "bar", label: "Units issued", data: data.trend.map((w) => w.units_issued),
            backgroundColor: "#0b6e69", yAxisID: "y" },
          { type: "line", label: "Units asked", data: data.trend.map((w) => w.units_asked),
            borderColor: "#d9480f", pointRadius: 0, yAxisID: "y" },
          { type: "line", label: "Value issued", data: data.trend.map((w) => w.value_issued),
            borderColor: "#5c7cfa", borderDash: [4, 3], pointRadius: 0, yAxisID: "value" },
        ],
      },
      options: { ...base, interaction: { mode: "index", intersect: false },
        scales: {
          y: { beginAtZero: true, title: { display: true, text: "units per week" } },
          value: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false },
            title: { display: true, text: "value per week" } },
        } },
    });
  }

  const stacked = (canvasId, groups) => {
    const canvas = document.getElementById(canvasId);
    if (!canvas) return;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: groups.map((g) => g.label),
        datasets: data.statuses.map((s) => ({
          label: s.label, backgroundColor: s.colour, data: groups.map((g) => g.counts[s.key]),
        })),
      },
      options: { ...base, indexAxis: "y",
        scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } } },
    });
  };
  stacked("category-chart", data.byCategory);
  stacked("zone-chart", data.byZone);

  const expiry = document.getElementById("expiry-chart");
  if (expiry) {
    new Chart(expiry, {
      type: "bar",
      data: {
        labels: data.expiry.map((m) => m.label),
        datasets: [{ label: "Value expiring", data: data.expiry.map((m) => m.value),
          backgroundColor: data.expiry.map((m) => (m.month === "past" ? "#c92a2a" : "#e8a10c")) }],
      },
      options: { ...base, plugins: { legend: { display: false },
        tooltip: { callbacks: { afterLabel: (ctx) => {
          const m = data.expiry[ctx.dataIndex];
          return `${number.format(m.units)} units in ${m.lots} lots`;
        } } } },
        scales: { y: { beginAtZero: true } } },
    });
  }
})();
