// shequ's service worker for the proposals' pages. Its one job is that a grid
// worker with no signal can still open the proposal form: it keeps the form, the
// outbox script the form runs (the cases' outbox.js, which keeps and sends each
// proposal) and the versioned assets the form links. It sends nothing itself.
'use strict';

const PREFIX = 'shequ-proposals-';
const CACHE = PREFIX + '1';
const FORM = '/proposals/new';
const OUTBOX = '/cases/outbox.js';
const SCRIPT = '/proposals/form.js';

// remember keeps a fresh copy of the form with everything it links, unless the
// answer is not the form (an error, or the sign-in page after a redirect).
async function remember(res) {
  if (!res.ok || res.redirected) return;
  const html = await res.clone().text();
  const links = new Set([OUTBOX, SCRIPT]);
  for (const m of html.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)) links.add(m[1].replaceAll('&amp;', '&'));
  const cache = await caches.open(CACHE);
  await cache.addAll([...links]);
  await cache.put(FORM, res);
}

// fresh answers from the network and keeps what it got; from the cache when
// there is no network.
function fresh(event, key, keep) {
  event.respondWith(
    fetch(event.request)
      .then((res) => {
        event.waitUntil(keep(res.clone()).catch(() => {}));
        return res;
      })
      .catch(async () => (await caches.match(key)) || Response.error()),
  );
}

self.addEventListener('install', (event) => {
  event.waitUntil(fetch(FORM, { credentials: 'same-origin' }).then(remember).then(() => self.skipWaiting()));
});

// Only this worker's own old caches go: the cases' worker keeps its own.
self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (req.mode === 'navigate' && url.pathname === FORM) {
    fresh(event, FORM, remember);
  } else if (url.pathname === OUTBOX || url.pathname === SCRIPT) {
    fresh(event, url.pathname, async (res) => {
      if (res.ok) await (await caches.open(CACHE)).put(url.pathname, res);
    });
  } else if (url.pathname.startsWith('/static/')) {
    event.respondWith(caches.match(req).then((kept) => kept || fetch(req)));
  }
});
