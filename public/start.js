// Until the app starts: the page's own "loading" note (public/starting.html) stays; when the
// app cannot start it says why, in both languages, instead of leaving the page blank: a
// browser without WebAssembly or module scripts, a file that did not arrive (or failed), a network so slow
// that nothing has started after 20 s. Trunk's loader announces the start
// (TrunkApplicationStarted), which removes the note, even after a message was shown.
(function () {
  var started = false, said = '', rank = { slow: 1, failed: 2, old: 3 };
  var words = {
    old: ['这个浏览器无法打开本页面。请用手机自带的浏览器打开，或更新您正在使用的应用后再试。',
      'This browser cannot open this page. Open it in your phone’s own browser, or update the app you are using and try again.'],
    failed: ['页面未能加载，请检查网络后重试。', 'The page did not load. Check your connection and try again.'],
    slow: ['网络较慢，仍在加载…', 'The network is slow. Still loading…']
  };
  function say(which) {
    var box = document.getElementById('starting');
    // A graver message is not replaced by a lesser one (old > failed > slow).
    if (started || !box || rank[which] <= (rank[said] || 0)) return;
    said = which;
    box.textContent = '';
    box.className = 'starting-' + which;
    words[which].forEach(function (text, i) {
      var p = document.createElement('p');
      p.lang = i ? 'en' : 'zh-CN';
      p.textContent = text;
      box.appendChild(p);
    });
    if (which === 'old') return;
    var again = document.createElement('button');
    again.type = 'button';
    again.textContent = '重试 · Try again';
    again.addEventListener('click', function () { location.reload(); });
    box.appendChild(again);
  }
  function when(ready) {
    if (document.readyState === 'loading') addEventListener('DOMContentLoaded', ready);
    else ready();
  }
  addEventListener('TrunkApplicationStarted', function () {
    started = true;
    var box = document.getElementById('starting');
    if (box) box.remove();
  });
  // No WebAssembly, or no module scripts (which Trunk's loader is): it can never start.
  var modules = 'noModule' in document.createElement('script');
  if (typeof WebAssembly !== 'object' || !modules) { when(function () { say('old'); }); return; }
  // A script or the WebAssembly that did not arrive (capture: load errors do not bubble),
  // or the app failing before it started.
  addEventListener('error', function () { when(function () { say('failed'); }); }, true);
  addEventListener('unhandledrejection', function () { when(function () { say('failed'); }); });
  setTimeout(function () { say('slow'); }, 20000);
})();
