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

// 复制链接: a [data-copy] button copies the value of the field whose id it names and says
// 已复制 for a moment. Without the Clipboard API (a page served over plain http) the field's
// text is selected and copied the older way; if that fails too it stays selected to copy.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-copy]");
  const field = button && document.getElementById(button.dataset.copy);
  if (!field) return;
  if (!button.dataset.copyLabel) button.dataset.copyLabel = button.textContent;
  function say(text) {
    button.textContent = text;
    window.clearTimeout(button.copyTimer);
    button.copyTimer = window.setTimeout(function () {
      button.textContent = button.dataset.copyLabel;
    }, 3000);
  }
  function selectAndCopy() {
    field.focus();
    field.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    say(copied ? "已复制" : "请按 Ctrl+C 复制");
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(function () {
      say("已复制");
    }, selectAndCopy);
  } else {
    selectAndCopy();
  }
});
