// 显示号码: a refused reveal (rate limit) answers 429 with its Chinese message in the same
// fragment; htmx does not swap error answers unless told to.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr.status === 429 && event.detail.target.closest("[data-task-numbers]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
