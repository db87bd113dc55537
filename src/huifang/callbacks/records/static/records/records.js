// 回访服务记录维护: show 失败原因 only for 失败 (the server checks the rules either way).
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("record-form");
  if (!form) return;
  const blocks = form.querySelectorAll("[data-show-when]");
  function update() {
    const checked = form.querySelector("input[name=status]:checked");
    const value = checked ? checked.value : "";
    blocks.forEach(function (block) {
      block.hidden = value !== "" && block.dataset.showWhen !== value;
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "status") update();
  });
  update();
});
