// The dashboard: htmx polls the live regions itself (hx-trigger="every 30s"). This file only
// pauses the polling while the tab is hidden, so a forgotten tab does not load the database.
document.addEventListener("htmx:beforeRequest", (event) => {
  if (document.hidden && event.detail.elt && event.detail.elt.hasAttribute("hx-trigger")) {
    event.preventDefault();
  }
});
