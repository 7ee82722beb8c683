// The report form's outbox. Every report is first kept in the phone's IndexedDB,
// with its photos and an Idempotency-Key chosen once, then sent to the API; with
// no network it waits, and is sent when the network returns (the "online" event,
// the page opening again, or every half minute). The server creates the case once
// however often the same report arrives, so a retry after a lost answer is safe.
// The worker sees what waits, and what the server refused and why.
'use strict';

(() => {
  const form = document.querySelector('form[data-outbox]');
  const box = document.getElementById('outbox');
  if (!form || !box || !('indexedDB' in window)) return;

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/cases/sw.js', { scope: '/cases/' }).catch(() => {});
  }

  const msg = (name) => box.dataset[name] || '';
  const list = box.querySelector('ul');
  const status = document.getElementById('outbox-status');

  // A key from the browser's random source; crypto.randomUUID needs a secure
  // context, which a city's intranet over plain http may not be.
  function newKey() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function open() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open('shequ-outbox', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('reports', { keyPath: 'key' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  async function store(mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction('reports', mode);
      const result = fn(tx.objectStore('reports'));
      tx.oncomplete = () => resolve(result && 'result' in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  }

  const put = (draft) => store('readwrite', (s) => s.put(draft));
  const remove = (key) => store('readwrite', (s) => s.delete(key));
  const all = () => store('readonly', (s) => s.getAll());

  async function show() {
    const drafts = (await all()) || [];
    list.replaceChildren();
    box.hidden = drafts.length === 0;
    for (const d of drafts.sort((a, b) => a.savedAt - b.savedAt)) {
      const li = document.createElement('li');
      li.className = d.error ? 'outbox-item outbox-failed' : 'outbox-item';
      const what = document.createElement('span');
      what.textContent = d.summary;
      const when = document.createElement('span');
      when.className = 'muted';
      when.textContent = ` · ${new Date(d.savedAt).toLocaleString()} · ${d.photos.length} ${msg('photos')}`;
      const state = document.createElement('strong');
      state.textContent = d.error ? ` ${msg('refused')}: ${d.error}` : ` ${msg('waiting')}`;
      li.append(what, when, state);
      if (d.error) {
        const drop = document.createElement('button');
        drop.type = 'button';
        drop.className = 'btn btn-quiet';
        drop.textContent = msg('discard');
        drop.addEventListener('click', async () => {
          if (window.confirm(msg('discardConfirm'))) {
            await remove(d.key);
            show();
          }
        });
        li.append(' ', drop);
      }
      list.append(li);
    }
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  // send sends one report; true when the server has it (now or before).
  async function send(d) {
    const body = new FormData();
    for (const [k, v] of Object.entries(d.fields)) body.append(k, v);
    for (const p of d.photos) body.append('photos', p.blob, p.name);
    let res;
    try {
      res = await fetch('/api/v1/cases', {
        method: 'POST',
        body,
        credentials: 'same-origin',
        headers: { 'Idempotency-Key': d.key, Accept: 'application/json' },
      });
    } catch {
      return false; // no network yet
    }
    if (res.status === 201) {
      const c = await res.json();
      await remove(d.key);
      say(msg('sent').replace('{no}', c.no));
      return true;
    }
    if (res.status >= 400 && res.status < 500 && ![401, 403, 408, 425, 429].includes(res.status)) {
      // The server refused the report itself: it waits for the worker, with why.
      const body = await res.json().catch(() => ({}));
      d.error = (body.error && body.error.message) || res.statusText;
      await put(d);
    }
    return false;
  }

  let sending = false;
  async function sendAll() {
    if (sending) return;
    sending = true;
    try {
      for (const d of (await all()) || []) {
        if (!d.error) await send(d);
      }
    } finally {
      sending = false;
      show();
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const fields = {};
    const photos = [];
    for (const [k, v] of data.entries()) {
      if (v instanceof File) {
        if (v.size > 0) photos.push({ name: v.name, type: v.type, blob: v });
      } else {
        fields[k] = v;
      }
    }
    const category = form.querySelector('select[name="category"] option:checked');
    const summary = `${category && category.value ? category.textContent : ''} ${fields.description || ''}`.trim().slice(0, 60);
    await put({ key: newKey(), fields, photos, summary, savedAt: Date.now(), error: '' });
    form.reset();
    say(navigator.onLine ? msg('sending') : msg('saved'));
    await show();
    sendAll();
  });

  window.addEventListener('online', sendAll);
  setInterval(sendAll, 30000);
  show().then(sendAll);
})();
