// labday's service worker: keeps each citizen bundle's shell (its page, script, WebAssembly,
// style sheet and the header's icon) so a citizen's own tickets open with no network. It keeps
// nothing else: every /api/ answer (personal data) and the staff console under /staff/ go to
// the network as if it were not there. The app keeps the citizen's own bookings and samples
// on the device itself (src/offline.rs), which registers this worker once it keeps one.
// The server writes the build's version below (crates/server/src/service_worker.rs): a new
// release is a new worker, which keeps the new shells and deletes the old release's caches.
'use strict';
var BUILD = 'dev';
var PREFIX = 'labday-shell-';
var CACHE = PREFIX + BUILD;
// Each bundle's folder and its pages (crates/domain/src/entry.rs says the same).
var SHELLS = [
  ['/', /^\/(activities\/[^/]+\/?)?$/],
  ['/bundles/book/', /^\/(sessions\/[^/]+\/book|bookings\/[^/]+|my)\/?$/],
  ['/bundles/samples/', /^\/(sessions\/[^/]+\/samples|samples\/[^/]+)\/?$/]
];
// Trunk's names for built files: name-<16 hex>.js, _bg.wasm, .css; never changed once made.
var BUILT = /\/[\w\/.-]*-[0-9a-f]{16}(_bg)?\.(js|wasm|css)/g;
var IS_BUILT = /-[0-9a-f]{16}(_bg)?\.(js|wasm|css)$/;
var ICON = '/favicon.svg';

// Keeps one bundle's page and every built file it names, all or none. `mode` 'only-if-cached'
// takes the files from the browser's HTTP cache alone: a bundle this device never opened is
// not downloaded for it.
function keep(cache, shell, mode) {
  return fetch(shell, { cache: 'no-cache' }).then(function (page) {
    if (!page.ok) throw new Error(shell + ' ' + page.status);
    return page.clone().text().then(function (html) {
      var files = (html.match(BUILT) || []).concat(ICON);
      files = files.filter(function (f, i) { return files.indexOf(f) === i; });
      return Promise.all(files.map(function (f) {
        return fetch(f, { cache: mode, mode: 'same-origin' }).then(function (file) {
          if (!file.ok) throw new Error(f + ' ' + file.status);
          return [f, file];
        });
      }));
    }).then(function (fetched) {
      return Promise.all(fetched.map(function (ff) { return cache.put(ff[0], ff[1]); }));
    }).then(function () { return cache.put(shell, page); });
  });
}

// A new release downloads the new shells of the bundles the old one kept; the others are kept
// if the browser holds their files (the page that registered this worker), else when opened.
self.addEventListener('install', function (event) {
  self.skipWaiting();
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELLS.map(function (s) {
      return caches.match(s[0]).then(function (before) {
        return keep(cache, s[0], before ? 'default' : 'only-if-cached').catch(function () {});
      });
    }));
  }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf(PREFIX) === 0 && n !== CACHE;
    }).map(function (n) { return caches.delete(n); }));
  }));
});

self.addEventListener('fetch', function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== location.origin || /^\/(api|staff)(\/|$)/.test(url.pathname)) return;
  var shell = null;
  if (request.mode === 'navigate') {
    SHELLS.forEach(function (s) { if (s[1].test(url.pathname)) shell = s[0]; });
  }
  // Anything else (not a citizen page, the manifest, a photo) is the server's to answer.
  if (!shell && !IS_BUILT.test(url.pathname) && url.pathname !== ICON) return;
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(shell || request).then(function (kept) {
      if (kept) return kept;
      return fetch(request).then(function (answer) {
        // A bundle opened for the first time since this release: its page now, its files as
        // the page asks for them.
        if (answer.ok) event.waitUntil((shell ? fetch(shell).then(function (page) {
          return page.ok && cache.put(shell, page);
        }) : cache.put(request, answer.clone())).catch(function () {}));
        return answer;
      });
    });
  }));
});
