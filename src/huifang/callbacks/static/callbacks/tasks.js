// Task list: the header checkbox selects every task on the page, then offers every task
// matching the filter (no inline scripts: CSP).
(function () {
  function bulkInput(name) {
    const form = document.getElementById("bulk-form");
    return form ? form.querySelector('input[name="' + name + '"]') : null;
  }
  function show(selector, on) {
    const el = document.querySelector(selector);
    if (el) {
      el.classList.toggle("d-none", !on);
    }
  }
  function setMatching(on) {
    const input = bulkInput("matching");
    if (input) {
      input.value = on ? "1" : "";
    }
    show("[data-matching-selected]", on);
    if (on) {
      show("[data-offer-matching]", false);
    }
  }
  document.addEventListener("change", function (event) {
    const all = event.target.closest("[data-select-all]");
    if (all) {
      const boxes = document.querySelectorAll('input[type="checkbox"][name="' + all.dataset.selectAll + '"]');
      boxes.forEach(function (box) {
        box.checked = all.checked;
      });
      const count = document.querySelector("[data-page-count]");
      if (count) {
        count.textContent = boxes.length;
      }
      setMatching(false);
      show("[data-offer-matching]", all.checked);
      return;
    }
    if (event.target.matches('input[type="checkbox"][form="bulk-form"]')) {
      setMatching(false);
      show("[data-offer-matching]", false);
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-select-matching]")) {
      setMatching(true);
    } else if (event.target.closest("[data-clear-matching]")) {
      setMatching(false);
      document.querySelectorAll('input[type="checkbox"][form="bulk-form"], [data-select-all]').forEach(function (box) {
        box.checked = false;
      });
    }
  });
})();
