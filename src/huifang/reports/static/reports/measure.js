// 变更状态 to 已完成 or 已取消 closes the measure for good (only a result and attachments may
// follow), so the page asks before it sends that choice; 执行中 goes through at once.
(function () {
  const form = document.getElementById("status-form");
  if (!form) return;
  const final = (form.dataset.final || "").split(" ");
  form.addEventListener("submit", function (event) {
    const select = form.elements.status;
    if (!final.includes(select.value)) return;
    const label = select.options[select.selectedIndex].text;
    if (!window.confirm(`确认将措施状态改为“${label}”？改后不能再变更状态。`)) {
      event.preventDefault();
    }
  });
})();
