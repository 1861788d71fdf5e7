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
});
