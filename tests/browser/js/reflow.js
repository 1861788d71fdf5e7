// What does not fit the screen: the page scrolling sideways, anything past the right edge
// (outside a frame that scrolls on its own, as data tables may), and content cut off by
// overflow: hidden.
() => {
  const vw = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > vw + 1) {
    out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
  }
  const name = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''} "${(el.innerText || '').trim().slice(0, 30)}"`;
  const inScroller = (el) => {
    for (let n = el.parentElement; n && n !== document.body; n = n.parentElement) {
      const o = getComputedStyle(n).overflowX;
      if (o === 'auto' || o === 'scroll') return true;
    }
    return false;
  };
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.visually-hidden, [hidden], svg, script, style, noscript, .leaflet-container, .map')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || inScroller(el)) continue;
    // Wholly left of the page is the usual hiding place of a skip link until it is focused.
    if (r.right > vw + 1 || (r.left < -1 && r.right > 0)) {
      out.push(`off the screen: ${name(el)} ${Math.round(r.left)}..${Math.round(r.right)} of ${vw}`);
    }
    if (el.matches('input, textarea, select')) continue;  // a field scrolls its own value
    const clipX = ['hidden', 'clip'].includes(cs.overflowX) && el.scrollWidth > el.clientWidth + 1;
    const clipY = ['hidden', 'clip'].includes(cs.overflowY) && el.scrollHeight > el.clientHeight + 1;
    if (clipX || clipY) out.push(`cut off: ${name(el)}`);
  }
  return out.slice(0, 15);
}
