// Upload and confirm forms: one submission only (big files take a moment to upload).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("[data-import-form]");
  if (!form) return;
  const button = form.querySelector("[data-import-submit]");
  if (button) {
    setTimeout(() => { button.disabled = true; button.textContent = "处理中…"; }, 0);
  }
});
