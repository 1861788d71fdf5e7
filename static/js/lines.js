// Rep pages on a phone at the gate: say clearly when a tap did not reach the server.
// The form keeps its nonce, so tapping again never makes a second report or check-in.
document.addEventListener("DOMContentLoaded", () => {
  const warn = (event, text) => {
    const form = event.target.closest("form");
    if (!form) return;
    let note = form.querySelector(".send-failed");
    if (!note) {
      note = document.createElement("p");
      note.className = "send-failed badge bad";
      note.setAttribute("role", "alert");
      form.appendChild(note);
    }
    note.textContent = text;
  };
  document.body.addEventListener("htmx:sendError", (event) => {
    warn(event, "Not sent: no connection. Nothing was saved. Tap again when you have signal.");
  });
  document.body.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail.xhr;
    const said = xhr && xhr.status === 409 && xhr.responseText;
    warn(event, said || "Not saved: something went wrong. Reload the page and try again.");
  });
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.target.closest("form");
    const note = form && form.querySelector(".send-failed");
    if (note) note.remove();
  });
});
