/* Tessera — staff ticket page: presence and reply drafts. Progressive enhancement only: the
   page works without it (drafts have their own "Save draft" button).
   1. presence: a heartbeat every 20 s tells the others this person is viewing or replying, and
      shows who else has the ticket open (#presence).
   2. drafts: the reply box is saved (debounced) while typing, per person per ticket. */
(() => {
  'use strict';

  const box = document.getElementById('presence');
  const reply = document.getElementById('message');
  if (!box) return;
  const csrf = box.dataset.csrf;
  const HEARTBEAT_MS = 20000;
  const DRAFT_DELAY_MS = 1500;
  let typedAt = 0;

  function post(url, fields, keepalive) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      keepalive: Boolean(keepalive),
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
        'X-CSRF-Token': csrf,
      },
      body: new URLSearchParams(fields).toString(),
    });
  }

  // ---- 1. Presence ------------------------------------------------------------

  /** Replying while typed into the reply box in the last minute, viewing otherwise. */
  function state() {
    return reply?.value.trim() && Date.now() - typedAt < 60000 ? 'replying' : 'viewing';
  }

  function show(answer) {
    box.textContent = answer.text || '';
    box.classList.toggle('presence--empty', !answer.text);
  }

  let lastState = null;
  function beat() {
    lastState = state();
    post(box.dataset.presenceUrl, { state: lastState })
      .then((res) => (res.ok ? res.json() : null))
      .then((answer) => {
        if (answer) show(answer);
      })
      .catch(() => undefined);
  }
  beat();
  setInterval(beat, HEARTBEAT_MS);
  window.addEventListener('pagehide', () => {
    post(box.dataset.presenceUrl, { state: 'left' }, true).catch(() => undefined);
  });

  // ---- 2. Drafts ----------------------------------------------------------------

  if (!reply) return;
  const status = document.getElementById('draft-status');
  let timer = null;
  let saved = reply.value;

  function saveDraft() {
    timer = null;
    const text = reply.value;
    if (text === saved) return;
    post(box.dataset.draftUrl, { message: text })
      .then((res) => {
        if (!res.ok) return;
        saved = text;
        if (status) status.textContent = box.dataset.savedText || '';
      })
      .catch(() => undefined);
  }

  reply.addEventListener('input', () => {
    typedAt = Date.now();
    if (lastState !== 'replying') beat();
    if (timer) clearTimeout(timer);
    timer = setTimeout(saveDraft, DRAFT_DELAY_MS);
  });
  // Sending the reply discards the draft on the server; nothing must be saved after it.
  if (reply.form)
    reply.form.addEventListener('submit', () => {
      if (timer) clearTimeout(timer);
      timer = null;
    });
})();
