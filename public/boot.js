// Before the app loads: elder mode, and embed mode inside a portal (theme from the
// embed snippet, content height reported to the embedding page only).
(function () {
  var d = document.documentElement, q = new URLSearchParams(location.search), e = null;
  try {
    if (localStorage.getItem('labday.elder') === '1' || q.get('elder') === '1') d.classList.add('elder');
    if (q.get('embed') === '1') {
      sessionStorage.setItem('labday.embed', JSON.stringify({
        parent: q.get('parent') || '', primary: q.get('primary') || '',
        radius: q.get('radius') || '', scale: q.get('font_scale') || ''
      }));
    }
    e = JSON.parse(sessionStorage.getItem('labday.embed') || 'null');
  } catch (_) {}
  if (!e || window.parent === window) return;
  d.classList.add('embed');
  if (/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(e.primary)) d.style.setProperty('--primary', e.primary);
  if (/^\d{1,2}px$/.test(e.radius)) d.style.setProperty('--radius', e.radius);
  var s = parseFloat(e.scale);
  if (s >= 0.9 && s <= 2) d.style.setProperty('--font-scale', String(s));
  if (!/^https?:\/\/[^\/]+$/.test(e.parent) || !window.ResizeObserver) return;
  var last = 0;
  function report() {
    var h = Math.ceil(document.body.getBoundingClientRect().height);
    if (h !== last) { last = h; window.parent.postMessage({ type: 'labday:height', height: h }, e.parent); }
  }
  addEventListener('DOMContentLoaded', function () { new ResizeObserver(report).observe(document.body); report(); });
})();
