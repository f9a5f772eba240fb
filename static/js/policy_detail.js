// EOQ cost curve and the service-versus-inventory trade-off of one SKU-site (data in the page).
(() => {
  if (!window.Chart) return;
  const read = (id) => JSON.parse(JSON.parse(document.getElementById(id).textContent));
  const eoq = read("eoq-data");
  const points = (xs, ys) => xs.map((x, i) => ({ x, y: ys[i] }));
  new Chart(document.getElementById("eoq-chart"), {
    type: "line",
    data: {
      datasets: [
        { label: "Total", data: points(eoq.quantity, eoq.total), borderColor: "#0b6e69", borderWidth: 2, pointRadius: 0 },
        { label: "Ordering", data: points(eoq.quantity, eoq.ordering), borderColor: "#6c757d", borderWidth: 1, pointRadius: 0, yAxisID: "parts" },
        { label: "Holding", data: points(eoq.quantity, eoq.holding), borderColor: "#d9480f", borderWidth: 1, pointRadius: 0, yAxisID: "parts" },
        { label: "Chosen", type: "scatter", data: [{ x: eoq.chosen.quantity, y: eoq.chosen.total }], backgroundColor: "#212529", pointRadius: 6 },
      ],
    },
    options: {
      animation: false, parsing: true,
      scales: {
        x: { type: "linear", title: { display: true, text: "Order quantity (units)" } },
        y: { title: { display: true, text: "Total per year" } },
        parts: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "Ordering, holding" } },
      },
    },
  });
  const trade = read("tradeoff-data");
  new Chart(document.getElementById("tradeoff-chart"), {
    type: "line",
    data: {
      datasets: [
        { label: "Inventory value (SS + Q/2)", data: points(trade.levels, trade.inventory_value), borderColor: "#0b6e69", borderWidth: 2 },
        { label: "This policy", type: "scatter", data: [{ x: trade.current.level, y: trade.current.value }], backgroundColor: "#d9480f", pointRadius: 6 },
      ],
    },
    options: {
      animation: false,
      scales: {
        x: { type: "linear", title: { display: true, text: "Fill-rate target (%)" } },
        y: { beginAtZero: true, title: { display: true, text: "Inventory value" } },
      },
    },
  });
})();
