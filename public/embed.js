/*! labday embed loader: <script src="https://LABDAY/embed.js" async></script>
    <div data-labday data-activity="3" data-lang="zh-CN" data-primary="#c00"></div> */
(function () {
  var me = document.currentScript;
  if (!me || !window.URLSearchParams) return;
  var origin = new URL(me.src, location.href).origin;
  var frames = [];
  var colour = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i, radius = /^\d{1,2}px$/, scale = /^(0\.9|1(\.\d{1,2})?|2(\.0)?)$/;

  function path(d) {
    if (d.session) return '/sessions/' + encodeURIComponent(d.session) + '/book';
    if (d.activity) return '/activities/' + encodeURIComponent(d.activity);
    if (d.path && d.path.charAt(0) === '/' && d.path.charAt(1) !== '/') return d.path;
    return '/';
  }

  function mount(el) {
    var d = el.dataset;
    if (d.labdayMounted) return;
    d.labdayMounted = '1';
    var q = new URLSearchParams({ embed: '1', parent: location.origin, lang: d.lang === 'en' ? 'en' : 'zh-CN' });
    if (colour.test(d.primary || '')) q.set('primary', d.primary);
    if (radius.test(d.radius || '')) q.set('radius', d.radius);
    if (scale.test(d.fontScale || '')) q.set('font_scale', d.fontScale);
    if (d.elder === '1') q.set('elder', '1');
    var f = document.createElement('iframe');
    // A path's own query (`/?city=…`) is kept and the embed's added to it; a fragment stays last.
    var u = new URL(path(d), origin);
    q.forEach(function (v, k) { u.searchParams.set(k, v); });
    f.src = u.href;
    f.title = d.title || (d.lang === 'en' ? 'Lab open-day bookings' : '实验室开放日预约');
    // It scrolls inside itself until the app says how tall it is (a browser that keeps its
    // storage from a portal's frame, or has no ResizeObserver, may never say).
    f.style.cssText = 'display:block;width:100%;min-width:280px;height:640px;border:0';
    el.appendChild(f);
    frames.push(f);
  }

  window.addEventListener('message', function (e) {
    var m = e.data;
    if (e.origin !== origin || !m || m.type !== 'labday:height') return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === e.source) {
        frames[i].style.height = Math.max(240, Math.min(30000, m.height | 0)) + 'px';
        frames[i].style.overflow = 'hidden';
        frames[i].setAttribute('scrolling', 'no');
      }
    }
  });

  // Elements there now, those the page adds later (a portal built by script), and any one
  // the portal hands over itself: `labday.mount(el)`.
  function scan() {
    var els = document.querySelectorAll('[data-labday]');
    for (var i = 0; i < els.length; i++) mount(els[i]);
  }
  scan();
  if (window.MutationObserver) new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true });
  window.labday = { mount: mount };
})();
