// Sharing a picket line from a phone: copy its link, or hand it to the phone's share sheet
// where the browser has one; print a poster. The buttons stay hidden where they cannot work,
// and the link itself is always on the page to copy by hand.
document.addEventListener("DOMContentLoaded", () => {
  const say = (text) => {
    const note = document.querySelector(".copied");
    if (note) note.textContent = text;
  };
  document.querySelectorAll("[data-copy]").forEach((button) => {
    const source = document.querySelector(button.dataset.copy);
    if (!source || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      navigator.clipboard.writeText(source.value).then(
        () => say("Link copied. Paste it into a message or a post."),
        () => { source.select(); say("Select the link above and copy it."); },
      );
    });
  });
  document.querySelectorAll("[data-share]").forEach((button) => {
    const source = document.querySelector(button.dataset.share);
    if (!source || !navigator.share) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      navigator.share({
        title: button.dataset.shareTitle,
        text: button.dataset.shareText,
        url: source.value,
      }).catch(() => {});  // the person closed the share sheet: nothing to do
    });
  });
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
  document.querySelectorAll("[data-copy-source]").forEach((input) => {
    input.addEventListener("focus", () => input.select());
  });
});
