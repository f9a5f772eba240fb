// Safety stock per site: guaranteed-service plan against single-echelon (data in the page).
(() => {
  const canvas = document.getElementById("network-chart");
  if (!canvas || !window.Chart) return;
  const data = JSON.parse(JSON.parse(document.getElementById("network-data").textContent));
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: "Guaranteed service", data: data.guaranteed, backgroundColor: "#0b6e69" },
        { label: "Single-echelon", data: data.single, backgroundColor: "rgba(108,117,125,0.5)" },
      ],
    },
    options: { animation: false, indexAxis: "y", scales: { x: { beginAtZero: true, title: { display: true, text: "Units" } } } },
  });
})();
