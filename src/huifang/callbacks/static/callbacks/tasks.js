// Task list: the header checkbox selects every task on the page (no inline scripts: CSP).
document.addEventListener("change", function (event) {
  const all = event.target.closest("[data-select-all]");
  if (!all) {
    return;
  }
  const name = all.dataset.selectAll;
  document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
    box.checked = all.checked;
  });
});
