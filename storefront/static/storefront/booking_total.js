// Keeps the offer page's total in step with the quantity. The totals come
// formatted from the server (json_script), so the locale's format is Django's.
document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("booking-totals");
  const output = document.getElementById("booking-total");
  if (!data || !output) return;
  const totals = JSON.parse(data.textContent);
  const input = document.getElementById(output.htmlFor.value);
  if (!input) return;
  const show = () => {
    if (totals[input.value]) output.textContent = totals[input.value];
  };
  input.addEventListener("input", show);
  // A quantity typed while the page was still loading counts too.
  show();
});
