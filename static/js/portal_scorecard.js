// The supplier's monthly scorecard: one small line chart per measure (data in the page).
(() => {
  const source = document.getElementById("scorecard-data");
  if (!window.Chart || !source) return;
  const data = JSON.parse(source.textContent);
  const byKey = Object.fromEntries(data.measures.map((measure) => [measure.key, measure]));
  document.querySelectorAll("canvas.scorecard-chart").forEach((canvas) => {
    const measure = byKey[canvas.dataset.measure];
    if (!measure) return;
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.months,
        datasets: [{
          label: `${measure.label} (${measure.unit})`,
          data: measure.values,
          borderColor: "#0b6e69",
          backgroundColor: "#0b6e69",
          borderWidth: 2,
          pointRadius: 3,
          spanGaps: true,
        }],
      },
      options: {
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { title: { display: true, text: measure.unit } } },
      },
    });
    canvas.dataset.drawn = "true";
  });
})();
