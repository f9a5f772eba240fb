// Supplier performance charts (data embedded in the page by json_script) and the month picker.
(() => {
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
  if (!window.Chart) return;

  const palette = ["#0b6e69", "#d9480f", "#1c7ed6", "#7048e8", "#2b8a3e", "#c2255c",
    "#e67700", "#495057", "#0c8599", "#5c940d"];
  const percentAxis = { min: 0, max: 100, ticks: { callback: (value) => `${value} %` } };
  const read = (id) => {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  };

  const comparison = read("performance-data");
  const scoreCanvas = document.getElementById("score-chart");
  if (comparison && scoreCanvas) {
    new Chart(scoreCanvas, {
      type: "bar",
      data: { labels: comparison.score.labels, datasets: [{ label: "Score",
        data: comparison.score.scores, backgroundColor: comparison.score.colours }] },
      options: { indexAxis: "y", animation: false, plugins: { legend: { display: false } },
        scales: { x: { min: 0, max: 100 } } },
    });
  }
  const otifCanvas = document.getElementById("otif-chart");
  if (comparison && otifCanvas) {
    new Chart(otifCanvas, {
      type: "line",
      data: { labels: comparison.otif.labels, datasets: comparison.otif.series.map((series, i) => ({
        label: series.label, data: series.data, borderColor: palette[i % palette.length],
        backgroundColor: palette[i % palette.length], spanGaps: false, tension: 0.2 })) },
      options: { animation: false, interaction: { mode: "index", intersect: false },
        scales: { y: percentAxis } },
    });
  }

  const supplier = read("supplier-performance-data");
  const ratesCanvas = document.getElementById("rates-chart");
  if (supplier && ratesCanvas) {
    const line = (label, data, colour, extra = {}) => ({ label, data, borderColor: colour,
      backgroundColor: colour, tension: 0.2, ...extra });
    new Chart(ratesCanvas, {
      type: "line",
      data: { labels: supplier.labels, datasets: [
        line("OTIF", supplier.otif, palette[0], { borderWidth: 3 }),
        line("On time", supplier.on_time, palette[2]),
        line("In full", supplier.in_full, palette[3]),
        line("Quality", supplier.quality, palette[4]),
        line("Score", supplier.score, palette[1], { borderDash: [6, 4] }),
      ] },
      options: { animation: false, interaction: { mode: "index", intersect: false },
        scales: { y: percentAxis } },
    });
  }
  const leadCanvas = document.getElementById("lead-time-chart");
  if (supplier && leadCanvas) {
    const band = (sign) => supplier.lead_time_mean.map((mean, i) => {
      const std = supplier.lead_time_std[i];
      return mean === null || std === null ? null : Math.max(0, mean + sign * std);
    });
    new Chart(leadCanvas, {
      type: "line",
      data: { labels: supplier.labels, datasets: [
        { label: "Mean + 1 std", data: band(1), borderColor: "transparent",
          backgroundColor: "rgba(11, 110, 105, 0.15)", fill: "+1", pointRadius: 0 },
        { label: "Mean − 1 std", data: band(-1), borderColor: "transparent", pointRadius: 0 },
        { label: "Mean lead time", data: supplier.lead_time_mean, borderColor: palette[0],
          backgroundColor: palette[0], tension: 0.2 },
        { label: "Agreed", data: supplier.agreed_lead_time, borderColor: palette[1],
          backgroundColor: palette[1], borderDash: [6, 4], pointRadius: 0 },
      ] },
      options: { animation: false, interaction: { mode: "index", intersect: false },
        plugins: { legend: { labels: { filter: (item) => !item.text.includes("std") } } },
        scales: { y: { beginAtZero: true, title: { display: true, text: "days" } } } },
    });
  }
})();
