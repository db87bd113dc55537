// Site-wide behaviour without inline scripts (the Content-Security-Policy forbids them).
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// "返回上一页" on pages that cannot know the previous page (the 500 page): go back in the
// browser's history when there is one, else follow the link (the home page).
document.addEventListener("click", function (event) {
  const link = event.target.closest("[data-history-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
