// Replenishment worklist: selection for bulk approval, the signature dialog's focus, and the
// projected-stock chart of an opened row (data in the row, drawn when htmx brings it in).
(() => {
  const dialog = document.getElementById("approve-dialog");
  const content = document.getElementById("approve-dialog-content");

  const selection = () => {
    const boxes = [...document.querySelectorAll(".worklist-select")];
    const checked = boxes.filter((box) => box.checked).length;
    const button = document.getElementById("approve-selected");
    const count = document.getElementById("selected-count");
    const all = document.getElementById("select-all");
    if (count) count.textContent = checked;
    if (button) button.disabled = checked === 0;
    if (all) {
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
  };

  document.addEventListener("change", (event) => {
    if (event.target.id === "select-all") {
      document.querySelectorAll(".worklist-select").forEach((box) => {
        box.checked = event.target.checked;
      });
    }
    if (event.target.id === "select-all" || event.target.classList.contains("worklist-select")) {
      selection();
    }
  });

  const focusDialog = () => {
    const first = content && content.querySelector("[autofocus]");
    if (first && dialog.classList.contains("show")) first.focus();
  };
  if (dialog) {
    dialog.addEventListener("show.bs.modal", () => {
      content.innerHTML = '<div class="modal-body"><div class="spinner-border spinner-border-sm" role="status"></div> Loading…</div>';
    });
    dialog.addEventListener("shown.bs.modal", focusDialog);
  }

  const chartColours = { without: "#adb5bd", with: "#0b6e69", reorder: "#e8a317", safety: "#dc3545" };
  const draw = (canvas) => {
    if (!window.Chart || canvas.dataset.drawn) return;
    const source = document.getElementById(canvas.dataset.source);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const start = new Date(`${data.start}T00:00:00`);
    const labels = data.without.map((_, day) => {
      const date = new Date(start);
      date.setDate(start.getDate() + day);
      return date.toISOString().slice(0, 10);
    });
    const flat = (value) => labels.map(() => value);
    canvas.dataset.drawn = "true";
    new Chart(canvas, {
      type: "line",
      data: {
        labels,
        datasets: [
          { label: "On hand without this order", data: data.without, borderColor: chartColours.without, borderDash: [6, 4], borderWidth: 2, pointRadius: 0 },
          { label: "On hand with this order", data: data.with, borderColor: chartColours.with, borderWidth: 2, pointRadius: 0 },
          { label: "Reorder point", data: flat(data.reorder_point), borderColor: chartColours.reorder, borderWidth: 1, pointRadius: 0 },
          { label: "Safety stock", data: flat(data.safety_stock), borderColor: chartColours.safety, borderDash: [2, 3], borderWidth: 1, pointRadius: 0 },
        ],
      },
      options: {
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { maxTicksLimit: 10 } },
          y: { title: { display: true, text: "Units on hand" } },
        },
      },
    });
  };

  // htmx:load runs for the page and for every piece htmx swaps in (rows, results, dialog).
  document.addEventListener("htmx:load", (event) => {
    event.target.querySelectorAll("canvas.projection-chart").forEach(draw);
    if (content && content.contains(event.target)) focusDialog();
    selection();
  });
  document.body.addEventListener("worklist:approved", selection);
})();
