// labday's service worker: each citizen bundle's shell, for tickets offline; never /api/ or
// /staff/. Why and how: crates/server/src/service_worker.rs.
'use strict';
var BUILD = 'dev';
var PREFIX = 'labday-shell-';
var CACHE = PREFIX + BUILD;
// Each bundle's folder and its pages (as crates/domain/src/entry.rs); `true`: kept even if
// never opened here (the list of a citizen's own tickets).
var SHELLS = [
  ['/', /^\/(activities\/[^/]+\/?)?$/],
  ['/bundles/book/', /^\/(sessions\/[^/]+\/book|bookings\/[^/]+)\/?$/],
  ['/bundles/mine/', /^\/my\/?$/, true],
  ['/bundles/samples/', /^\/(sessions\/[^/]+\/samples|samples\/[^/]+)\/?$/]
];
// Trunk's hash is hex without leading zeros: up to 16 digits.
var BUILT = /\/[\w\/.-]*-[0-9a-f]{1,16}(_bg)?\.(js|wasm|css)/g;
var IS_BUILT = /-[0-9a-f]{1,16}(_bg)?\.(js|wasm|css)$/;
var ICON = '/favicon.svg';

// One bundle's page and the built files it names, all or none ('only-if-cached': from the
// HTTP cache alone, so a bundle never opened here is not downloaded).
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

// A new release renews the shells the old one kept (and my bookings'); others only from the
// HTTP cache.
self.addEventListener('install', function (event) {
  self.skipWaiting();
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELLS.map(function (s) {
      return caches.match(s[0]).then(function (before) {
        return keep(cache, s[0], before || s[2] ? 'default' : 'only-if-cached').catch(function () {});
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
  if (!shell && !IS_BUILT.test(url.pathname) && url.pathname !== ICON) return;
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(shell || request).then(function (kept) {
      if (kept) return kept;
      return fetch(request).then(function (answer) {
        // First opened since this release: keep its page now, its files as they come.
        if (answer.ok) event.waitUntil((shell ? fetch(shell).then(function (page) {
          return page.ok && cache.put(shell, page);
        }) : cache.put(request, answer.clone())).catch(function () {}));
        return answer;
      });
    });
  }));
});
