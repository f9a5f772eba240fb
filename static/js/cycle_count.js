// The count sheet: Enter in a counted-units box moves to the next line's box (as Tab does)
// instead of submitting the form; on the last line it moves to the Save button.
document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (event.key !== "Enter" || !input.matches("[data-count-sheet] [data-count-input]")) return;
  event.preventDefault();
  const form = input.closest("form");
  const inputs = Array.from(form.querySelectorAll("[data-count-input]"));
  const next = inputs[inputs.indexOf(input) + (event.shiftKey ? -1 : 1)];
  const target = next || form.querySelector("button[value=save]");
  if (target) {
    target.focus();
    if (target.select) target.select();
  }
});
