// An offline form's outbox (the case report, the visit). Everything recorded is
// first kept in the phone's IndexedDB, with its photos and an Idempotency-Key
// chosen once, then sent to the API; with no network it waits, and is sent when
// the network returns (the "online" event, the page opening again, or every half
// minute). The server creates the record once however often the same one arrives,
// so a retry after a lost answer is safe. The worker sees what waits, and what the
// server refused and why.
//
// The form says where things go, in data- attributes: data-outbox is the API it
// posts to; data-outbox-scope the path its service worker (scope + "sw.js") keeps;
// data-outbox-link the page of what was created, "{id}" standing for the answer's
// data-outbox-answer field; data-outbox-summary the select whose choice heads an
// item's summary, data-outbox-text the field that follows it; data-outbox-more the
// fields whose value opens the form's <details> when a refused item is edited;
// data-outbox-params the query parameters that preset a field (name:field,…).
'use strict';

(() => {
  const form = document.querySelector('form[data-outbox]');
  const box = document.getElementById('outbox');
  if (!form || !box || !('indexedDB' in window)) return;
  const cfg = form.dataset;

  if ('serviceWorker' in navigator && cfg.outboxScope) {
    navigator.serviceWorker.register(`${cfg.outboxScope}sw.js`, { scope: cfg.outboxScope }).catch(() => {});
  }

  // A page kept for offline use is the form as it was last loaded: the fields the
  // address names (the household visited) are set from it again.
  const params = new URLSearchParams(window.location.search);
  for (const pair of (cfg.outboxParams || '').split(',').filter(Boolean)) {
    const [param, name] = pair.split(':');
    const field = form.elements.namedItem(name);
    if (field && params.has(param)) field.value = params.get(param);
  }

  const msg = (name) => box.dataset[name] || '';
  const list = box.querySelector('ul');
  const status = document.getElementById('outbox-status');
  const lang = document.documentElement.lang || undefined;

  // A key from the browser's random source; crypto.randomUUID needs a secure
  // context, which a city's intranet over plain http may not be.
  function newKey() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function openStore() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open('shequ-outbox', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('reports', { keyPath: 'key' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  // store runs fn on the reports in one transaction and gives its request's
  // result once the transaction has committed.
  async function store(mode, fn) {
    const db = await openStore();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction('reports', mode);
        const req = fn(tx.objectStore('reports'));
        tx.oncomplete = () => resolve(req.result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
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
      const what = document.createElement('p');
      what.className = 'outbox-what';
      what.textContent = d.summary;
      const when = document.createElement('p');
      when.className = 'outbox-meta muted';
      when.textContent = new Date(d.savedAt).toLocaleString(lang);
      if (d.photos.length > 0) when.textContent += ` · ${msg('photos').replace('{n}', d.photos.length)}`;
      const state = document.createElement('p');
      state.className = 'outbox-state';
      state.textContent = d.error ? msg('refused').replace('{why}', d.error) : msg('waiting');
      li.append(what, when, state);
      if (d.error) {
        const fix = document.createElement('button');
        fix.type = 'button';
        fix.className = 'btn btn-primary';
        fix.textContent = msg('edit');
        fix.addEventListener('click', () => edit(d));
        const drop = document.createElement('button');
        drop.type = 'button';
        drop.className = 'btn btn-danger';
        drop.textContent = msg('discard');
        drop.addEventListener('click', async () => {
          if (window.confirm(msg('discardConfirm'))) {
            await remove(d.key);
            show();
          }
        });
        const actions = document.createElement('div');
        actions.className = 'actions';
        actions.append(fix, drop);
        li.append(actions);
      }
      list.append(li);
    }
  }

  // edit puts a refused report back into the form, photos included, for the
  // worker to correct and report again (with a new key: it is another report).
  async function edit(d) {
    for (const [name, value] of Object.entries(d.fields)) {
      const field = form.elements.namedItem(name);
      if (field && 'value' in field) field.value = value;
    }
    const input = form.querySelector('input[type="file"][name="photos"]');
    if (input && d.photos.length > 0 && 'DataTransfer' in window) {
      const files = new DataTransfer();
      for (const p of d.photos) files.items.add(new File([p.blob], p.name, { type: p.type }));
      input.files = files.files;
    }
    const more = form.querySelector('details');
    const fields = (cfg.outboxMore || '').split(',').filter(Boolean);
    if (more && fields.some((k) => d.fields[k] && d.fields[k] !== 'worker')) more.open = true;
    await remove(d.key);
    say('');
    await show();
    form.scrollIntoView();
  }

  // say shows text in the status line, in tone ("ok", "error", or "" for news);
  // "{no}" in it becomes a link to what was created.
  function say(text, tone, no) {
    if (!status) return;
    status.className = tone ? `alert alert-${tone}` : 'alert';
    status.replaceChildren();
    const [before, after] = text.split('{no}');
    status.append(before);
    if (no !== undefined && after !== undefined) {
      const a = document.createElement('a');
      a.href = (cfg.outboxLink || '').replace('{id}', encodeURIComponent(no));
      a.className = 'mono';
      a.textContent = no;
      status.append(a, after);
    }
    status.hidden = text === '';
  }

  // send sends one report; true when the server has it (now or before).
  async function send(d) {
    const body = new FormData();
    for (const [k, v] of Object.entries(d.fields)) body.append(k, v);
    for (const p of d.photos) body.append('photos', p.blob, p.name);
    let res;
    try {
      res = await fetch(cfg.outbox, {
        method: 'POST',
        body,
        credentials: 'same-origin',
        headers: { 'Idempotency-Key': d.key, Accept: 'application/json' },
      });
    } catch {
      return false; // no network yet, or the answer was lost: the key makes a retry safe
    }
    if (res.status === 201) {
      const made = await res.json();
      await remove(d.key);
      say(msg('sent'), 'ok', made[cfg.outboxAnswer || 'id']);
      return true;
    }
    if (res.status >= 400 && res.status < 500 && ![401, 403, 408, 425, 429].includes(res.status)) {
      // The server refused the report itself: it waits for the worker, with why.
      const answer = await res.json().catch(() => ({}));
      d.error = (answer.error && answer.error.message) || res.statusText || String(res.status);
      await put(d);
    }
    return false;
  }

  // sendAll sends every report that waits, one after the other, and says so
  // when some still wait.
  let sending = false;
  async function sendAll() {
    if (sending) return;
    sending = true;
    let waiting = 0;
    let refused = 0;
    try {
      for (const d of (await all()) || []) {
        if (d.error) continue;
        if (!(await send(d))) {
          if (d.error) refused++;
          else waiting++;
        }
      }
    } finally {
      sending = false;
      await show();
    }
    if (refused > 0) say(msg('refusedStatus'), 'error');
    else if (waiting > 0) say(msg('saved'));
  }

  const submit = form.querySelector('button[type="submit"]');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    // A report the server would refuse for a missing field is not kept: the
    // browser points at the field now, while the worker is still there.
    if (!form.checkValidity()) {
      form.reportValidity();
      return;
    }
    // One tap, one report: a second tap while this one is kept would make a
    // second report with a key of its own.
    if (submit.disabled) return;
    submit.disabled = true;
    try {
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
      const head = cfg.outboxSummary && form.querySelector(`select[name="${cfg.outboxSummary}"] option:checked`);
      const summary = `${head && head.value ? head.textContent.trim() : ''} ${fields[cfg.outboxText] || ''}`.trim().slice(0, 60);
      await put({ key: newKey(), fields, photos, summary, savedAt: Date.now(), error: '' });
      form.reset();
      say(navigator.onLine ? msg('sending') : msg('saved'));
      await show();
    } finally {
      submit.disabled = false;
    }
    sendAll();
  });

  window.addEventListener('online', sendAll);
  setInterval(sendAll, 30000);
  show().then(sendAll);
})();
