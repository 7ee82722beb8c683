// The proposal form shows the fields of the kind chosen and no others. A field
// hidden is also disabled, so that neither the outbox nor the form without
// script sends what belongs to another kind. Without this script every field
// shows, and the server reads only the kind's own.
'use strict';

(() => {
  const form = document.querySelector('form[data-outbox="/api/v1/proposals"]');
  const kind = form && form.elements.namedItem('kind');
  if (!kind) return;
  function show() {
    for (const f of form.querySelectorAll('[data-kinds]')) {
      const on = kind.value !== '' && f.dataset.kinds.split(' ').includes(kind.value);
      f.hidden = !on;
      for (const input of f.querySelectorAll('input, select, textarea')) input.disabled = !on;
    }
  }
  kind.addEventListener('change', show);
  // The outbox empties the form once a proposal is kept; the kind goes with it.
  form.addEventListener('reset', () => setTimeout(show));
  show();
})();
