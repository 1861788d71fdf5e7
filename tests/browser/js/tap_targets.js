// Clickable things under 44 × 44 CSS px, as "what (width x height)" strings. A checkbox or radio
// is tapped through its label. WCAG 2.5.8 exempts a link in a sentence: text beside it in its block.
() => {
  const SEL = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]';
  const INLINE = new Set(['STRONG', 'EM', 'B', 'I', 'SPAN', 'SMALL', 'TIME', 'ABBR', 'CODE']);
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && cs.visibility !== 'hidden'
      && !el.closest('.visually-hidden, [hidden], [aria-hidden=true]');
  };
  const hasText = (n) => n.nodeType === 3 ? n.textContent.trim() !== ''
    : n.nodeType === 1 && INLINE.has(n.tagName) && !n.matches(SEL) && !n.querySelector(SEL)
      && n.textContent.trim() !== '';
  // A link in a sentence: beside it in its block (through inline wrappers) there is text.
  const inSentence = (el) => {
    let node = el;
    while (node.parentElement && INLINE.has(node.parentElement.tagName)) node = node.parentElement;
    const block = node.parentElement;
    return !!block && Array.from(block.childNodes).some((n) => n !== node && hasText(n));
  };
  // What a closed <details> holds is tapped once it is open: measure it open.
  document.querySelectorAll('details:not([open])').forEach((d) => { d.open = true; });
  const vw = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll(SEL)) {
    if (!shown(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.right <= 0 || box.left >= vw) continue;  // off-screen until focused (a skip link)
    // Map markers: the same schools, with their links, are in the table beside the map
    // (WCAG 2.5.8's equivalent-control exception).
    if (el.closest('.leaflet-marker-pane')) continue;
    if (el.tagName === 'A' && inSentence(el)) continue;
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      target = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`)) || el;
    }
    const r = target.getBoundingClientRect();
    if (r.width < 43.5 || r.height < 43.5) {
      const name = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '').trim();
      out.push(`${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''} "${name.slice(0, 40)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return out;
}
