// Before the app loads: elder mode, and embed mode inside a portal (theme from the
// embed snippet, content height reported to the embedding page only).
(function () {
  // Storage may be refused (a browser blocking a portal's frame, say): each use is tried on
  // its own, and the address's settings hold for this page whatever storage does.
  var d = document.documentElement, q = new URLSearchParams(location.search), e = null;
  function stored(area, key) { try { return window[area].getItem(key); } catch (_) { return null; } }
  if (q.get('embed') === '1') {
    e = {
      parent: q.get('parent') || '', primary: q.get('primary') || '',
      radius: q.get('radius') || '', scale: q.get('font_scale') || '', elder: q.get('elder') || ''
    };
    // Kept for the frame's next pages (another bundle loads as a new page, without these
    // in its address): in the tab's storage, and in the frame's name, which a browser
    // refusing storage keeps too.
    var kept = JSON.stringify(e);
    try { sessionStorage.setItem('labday.embed', kept); } catch (_) {}
    if (window.parent !== window) window.name = 'labday.embed:' + kept;
  } else {
    var named = window.name.indexOf('labday.embed:') === 0 ? window.name.slice(13) : null;
    try { e = JSON.parse(stored('sessionStorage', 'labday.embed') || named || 'null'); } catch (_) {}
  }
  // A portal's elder=1 is a default, on every page of the frame (the address carries it to
  // the first only): a reader who turned 长辈版 off on this device keeps it off.
  var elder = stored('localStorage', 'labday.elder');
  var asked = q.get('elder') === '1' || (!!e && e.elder === '1' && window.parent !== window);
  if (elder === '1' || (asked && elder !== '0')) d.classList.add('elder');
  if (!e || window.parent === window) return;
  d.classList.add('embed');
  // The portal's theme under names of its own: 长辈版 and a reader's high-contrast setting
  // still win over its colour, and 长辈版's larger text multiplies its scale. A colour white
  // text cannot be read on (below 4.5:1) is not taken.
  if (/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(e.primary) && onWhite(e.primary) >= 4.5) {
    d.style.setProperty('--portal-primary', e.primary);
  }
  if (/^\d{1,2}px$/.test(e.radius)) d.style.setProperty('--radius', e.radius);
  var s = parseFloat(e.scale);
  if (s >= 0.9 && s <= 2) d.style.setProperty('--portal-font-scale', String(s));
  if (!/^https?:\/\/[^\/]+$/.test(e.parent) || !window.ResizeObserver) return;
  var last = 0;
  function report() {
    var h = Math.ceil(document.body.getBoundingClientRect().height);
    if (h !== last) { last = h; window.parent.postMessage({ type: 'labday:height', height: h }, e.parent); }
  }
  addEventListener('DOMContentLoaded', function () { new ResizeObserver(report).observe(document.body); report(); });
  // The contrast of white on `hex` (#rgb or #rrggbb), as WCAG reckons it.
  function onWhite(hex) {
    var h = hex.slice(1), n = h.length === 3 ? 1 : 2, l = 0, w = [0.2126, 0.7152, 0.0722];
    for (var i = 0; i < 3; i++) {
      var c = parseInt(h.substr(i * n, n), 16) / (n === 1 ? 15 : 255);
      l += w[i] * (c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
    }
    return 1.05 / (l + 0.05);
  }
})();
