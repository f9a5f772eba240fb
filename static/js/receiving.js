// Goods receipt form: keep the totals under the rows in step with what is typed, and start
// in the first received quantity so the rows can be worked through with Tab and sent with Enter.
(function () {
  "use strict";
  const form = document.getElementById("receipt-form");
  if (!form) {
    return;
  }
  const units = (input) => Math.max(parseInt(input.value, 10) || 0, 0);
  const total = (suffix) =>
    Array.from(form.querySelectorAll(`input[name$="-${suffix}"]`)).reduce(
      (sum, input) => sum + units(input),
      0,
    );
  const show = (name, value) => {
    const cell = form.querySelector(`[data-total="${name}"]`);
    if (cell) {
      cell.textContent = value.toLocaleString();
    }
  };
  const refresh = () => {
    const received = total("quantity_received");
    const rejected = total("quantity_rejected");
    show("received", received);
    show("rejected", rejected);
    show("accepted", received - rejected);
  };
  form.addEventListener("input", refresh);
  const first = form.querySelector(".is-invalid") || form.querySelector('input[name$="-quantity_received"]');
  if (first) {
    first.focus();
  }
})();
