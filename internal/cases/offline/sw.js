// shequ's service worker for the cases' pages: it keeps the report form and the
// assets it needs, so that a grid worker in a stairwell with no signal can open the
// form, fill it in and leave the report in the outbox (outbox.js). Reports are
// never sent from here: the page sends them, with their Idempotency-Key.
'use strict';

const CACHE = 'shequ-cases-1';
const FORM = '/cases/new';

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll([FORM, '/cases/outbox.js'])).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// keep stores a good answer for offline use.
function keep(request, response) {
  if (response.ok) {
    const copy = response.clone();
    caches.open(CACHE).then((c) => c.put(request, copy));
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === 'navigate' && url.pathname === FORM) {
    // The network first, so the form is always the current one; the kept copy
    // when there is no network.
    event.respondWith(fetch(req).then((res) => keep(FORM, res)).catch(() => caches.match(FORM)));
    return;
  }
  if (url.pathname.startsWith('/static/') || url.pathname === '/cases/outbox.js') {
    event.respondWith(fetch(req).then((res) => keep(req, res)).catch(() => caches.match(req)));
  }
});
