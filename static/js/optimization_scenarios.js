// What-if scenarios: a scenario against the current policy (by ABC class, relative changes), and
// several scenarios side by side (fill rate against inventory value, relative changes).
(() => {
  if (!window.Chart) return;
  const read = (id) => {
    const node = document.getElementById(id);
    return node ? JSON.parse(JSON.parse(node.textContent)) : null;
  };
  const palette = ["#0b6e69", "#d9480f", "#5f3dc4", "#e67700"];
  const grey = "rgba(108,117,125,0.55)";
  const changeScale = { title: { display: true, text: "Change %" }, grid: { color: (c) => (c.tick.value === 0 ? "#495057" : "rgba(0,0,0,0.1)") } };

  const detail = read("scenario-data");
  if (detail) {
    const abc = document.getElementById("scenario-abc-chart");
    if (abc) {
      new Chart(abc, {
        data: {
          labels: detail.classes,
          datasets: [
            { type: "bar", label: "Inventory value, current policy", data: detail.value_baseline, backgroundColor: grey, yAxisID: "value" },
            { type: "bar", label: "Inventory value, scenario", data: detail.value_scenario, backgroundColor: palette[0], yAxisID: "value" },
            { type: "line", label: "Fill rate %, current policy", data: detail.fill_baseline, borderColor: "#6c757d", backgroundColor: "#6c757d", showLine: false, pointRadius: 6, yAxisID: "fill" },
            { type: "line", label: "Fill rate %, scenario", data: detail.fill_scenario, borderColor: palette[1], backgroundColor: palette[1], showLine: false, pointRadius: 6, yAxisID: "fill" },
          ],
        },
        options: {
          animation: false,
          scales: {
            value: { position: "left", beginAtZero: true, title: { display: true, text: "Average inventory value" } },
            fill: { position: "right", suggestedMin: 80, max: 100, grid: { drawOnChartArea: false }, title: { display: true, text: "Fill rate %" } },
          },
        },
      });
    }
    const change = document.getElementById("scenario-change-chart");
    if (change) {
      new Chart(change, {
        type: "bar",
        data: {
          labels: detail.change_labels,
          datasets: [{
            label: "Scenario against the current policy",
            data: detail.change_values,
            backgroundColor: detail.change_values.map((v) => (v === null || v <= 0 ? palette[0] : palette[1])),
          }],
        },
        options: { animation: false, indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: changeScale } },
      });
    }
  }

  const compare = read("compare-data");
  if (compare) {
    const tradeoff = document.getElementById("compare-tradeoff-chart");
    if (tradeoff) {
      const datasets = compare.tradeoff.map((item, i) => ({
        type: "line",
        label: item.name,
        data: [item.baseline, item.scenario],
        borderColor: palette[i % palette.length],
        backgroundColor: palette[i % palette.length],
        pointRadius: [4, 7],
        pointStyle: ["circle", "rectRot"],
        borderDash: [4, 4],
      }));
      new Chart(tradeoff, {
        type: "scatter",
        data: { datasets },
        options: {
          animation: false,
          plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label} (${c.dataIndex === 0 ? "current policy" : "scenario"}): ${Math.round(c.parsed.x).toLocaleString()} · ${c.parsed.y.toFixed(2)} %` } } },
          scales: {
            x: { title: { display: true, text: "Average inventory value" } },
            y: { title: { display: true, text: "Fill rate %" } },
          },
        },
      });
    }
    const change = document.getElementById("compare-change-chart");
    if (change) {
      new Chart(change, {
        type: "bar",
        data: {
          labels: compare.change_labels,
          datasets: compare.changes.map((values, i) => ({ label: compare.names[i], data: values, backgroundColor: palette[i % palette.length] })),
        },
        options: { animation: false, indexAxis: "y", scales: { x: changeScale } },
      });
    }
  }
})();
