// Small behaviours on top of server-rendered pages. Everything works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Buttons with data-confirm ask before their form is sent.
  document.body.addEventListener("submit", (event) => {
    const button = event.submitter;
    const question = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  // A refusal (403/404) answering an htmx request is a small notice for the top of the page;
  // htmx leaves 4xx answers out unless told to swap them.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("X-Refusal")) {
      const old = document.getElementById("refusal");
      if (old) old.remove();
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
});
