// shequ's service worker for a domain's offline form (the case report, the visit):
// it keeps the form and the assets it needs, so that a grid worker in a stairwell
// with no signal can open the form, fill it in and leave what they record in the
// outbox (outbox.js). Nothing is sent from here: the page sends it, with its
// Idempotency-Key. The server fills in the names below for each domain
// (platform/offline), so that each form has a worker of its own in its own scope:
// its cache, its form, and the scripts the form runs (the outbox first).
'use strict';

const CACHE = '{{CACHE}}';
const FORM = '{{FORM}}';
const SCRIPTS = {{SCRIPTS}};
// A cache of an earlier release of this worker has this cache's name but for
// what follows its last dash.
const FAMILY = CACHE.slice(0, CACHE.lastIndexOf('-') + 1);

// assetsOf lists the stylesheet, scripts and icons the form's HTML links under
// /static/: their URLs carry a version, so each release names new ones.
function assetsOf(html) {
  return [...new Set(Array.from(html.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g), (m) => m[1].replaceAll('&amp;', '&')))];
}

// keepForm stores the form as the network gave it, with the assets it links,
// and forgets the assets of the form before. A form that came by a redirect (to
// the sign-in page, when the session has ended) is not the form: it is not kept.
async function keepForm(response) {
  if (!response.ok || response.redirected) return;
  const html = await response.clone().text();
  const assets = assetsOf(html);
  const cache = await caches.open(CACHE);
  await cache.addAll(assets);
  await cache.put(FORM, response);
  for (const req of await cache.keys()) {
    const path = new URL(req.url).pathname + new URL(req.url).search;
    if (path.startsWith('/static/') && !assets.includes(path)) await cache.delete(req);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SCRIPTS);
    await keepForm(await fetch(FORM, { credentials: 'same-origin' }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      // Only this worker's old caches: another form's worker keeps its own.
      if (key !== CACHE && key.startsWith(FAMILY)) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === 'navigate' && url.pathname === FORM) {
    // The network first, so the form is always the current one; the kept copy
    // when there is no network.
    event.respondWith(
      fetch(req)
        .then((res) => {
          event.waitUntil(keepForm(res.clone()).catch(() => {}));
          return res;
        })
        .catch(async () => (await caches.match(FORM)) || Response.error()),
    );
    return;
  }
  if (SCRIPTS.includes(url.pathname)) {
    // The network first, so that a new release's script replaces the kept one.
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone();
            event.waitUntil(caches.open(CACHE).then((c) => c.put(url.pathname, copy)));
          }
          return res;
        })
        .catch(async () => (await caches.match(url.pathname)) || Response.error()),
    );
    return;
  }
  if (url.pathname.startsWith('/static/')) {
    // The kept copy first: a versioned asset never changes.
    event.respondWith(caches.match(req).then((kept) => kept || fetch(req)));
  }
});
