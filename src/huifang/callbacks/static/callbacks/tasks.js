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
    // 推送外呼名单 is a link carrying the list's filter: the ticked tasks go with it (not
    // when every matching task was chosen, which is the filter itself).
    const push = event.target.closest("#push-calls");
    if (push) {
      const matching = bulkInput("matching");
      const ticked = document.querySelectorAll('input[type="checkbox"][form="bulk-form"][name="pk"]:checked');
      if (ticked.length && !(matching && matching.value === "1")) {
        event.preventDefault();
        const url = new URL(push.href, window.location.href);
        ticked.forEach(function (box) {
          url.searchParams.append("pk", box.value);
        });
        window.location.assign(url.toString());
      }
      return;
    }
    if (event.target.closest("[data-select-matching]")) {
      setMatching(true);
    } else if (event.target.closest("[data-clear-matching]")) {
      setMatching(false);
      document.querySelectorAll('input[type="checkbox"][form="bulk-form"], [data-select-all]').forEach(function (box) {
        box.checked = false;
      });
    }
  });
  // A header box ticked before this script ran (a slow load, or the browser restoring the
  // form on 返回) selects the page's tasks as a tick after it does.
  document.querySelectorAll("[data-select-all]").forEach(function (all) {
    if (all.checked) {
      all.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();
