/* Tessera — staff ticket page: canned responses (and knowledge-base articles' links or texts) go
   into the reply at the cursor, no reload.
   Progressive enhancement only: without script the picker's buttons post the reply form to
   /admin/tickets/:id/canned, which keeps what was typed and adds the response after it. */
(() => {
  'use strict';

  const pick = document.getElementById('canned-pick');
  const reply = document.getElementById('message');
  if (!pick || !reply || !window.fetch) return;
  const search = document.getElementById('canned_q');
  const button = document.getElementById('canned-insert');
  const status = document.getElementById('canned-status');
  const options = document.getElementById('canned-options');
  // Where the cursor was in the reply box; before anyone has been in it, the end.
  let touched = false;
  reply.addEventListener('focus', () => {
    touched = true;
  });
  reply.addEventListener('input', () => {
    touched = true;
  });

  function say(text) {
    if (!status) return;
    status.textContent = '';
    window.setTimeout(() => {
      status.textContent = text;
    }, 50);
  }

  function insert(text) {
    const value = reply.value;
    let start = touched ? reply.selectionStart : value.length;
    let end = touched ? reply.selectionEnd : value.length;
    let piece = text;
    if (!touched && value.trim()) {
      // Nothing chosen yet: after what is there, a blank line apart.
      start = end = value.replace(/\s+$/, '').length;
      piece = '\n\n' + text;
    }
    reply.focus();
    reply.setRangeText(piece, start, end, 'end');
    touched = true;
    // The draft autosave and the presence heartbeat listen for typing.
    reply.dispatchEvent(new Event('input', { bubbles: true }));
    say(pick.dataset.insertedText || '');
  }

  function fetchAndInsert(id, base, query) {
    return fetch((base || pick.dataset.cannedUrl) + encodeURIComponent(id) + '.json' + (query || ''), {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    })
      .then((res) => (res.ok ? res.json() : Promise.reject(new Error(String(res.status)))))
      .then((answer) => {
        insert(String(answer.text || ''));
        if (search) search.value = '';
        const matches = document.getElementById('canned-matches');
        if (matches) matches.remove();
      })
      .catch(() => say(pick.dataset.failedText || ''));
  }

  /** The id of the response whose "folder / title" is exactly what was typed (chosen from the list). */
  function chosenId() {
    if (!search || !options) return null;
    const typed = search.value.trim();
    if (!typed) return null;
    const match = Array.prototype.find.call(options.options, (o) => o.value === typed);
    return match ? match.dataset.cannedId : null;
  }

  if (button) {
    button.addEventListener('click', (event) => {
      const id = chosenId();
      // Anything else is a search: the form goes to the server, which keeps the typed reply.
      if (!id) return;
      event.preventDefault();
      void fetchAndInsert(id);
    });
  }
  document.addEventListener('click', (event) => {
    const target =
      event.target instanceof Element ? event.target.closest('.canned-matches__pick[data-canned-id]') : null;
    if (!target) return;
    event.preventDefault();
    void fetchAndInsert(target.dataset.cannedId);
  });
  // A knowledge-base article found by the search: its customer link or its text (partials/kb-picker-matches.ejs).
  document.addEventListener('click', (event) => {
    const target =
      event.target instanceof Element ? event.target.closest('.kb-picker__pick[data-kb-id][data-kb-as]') : null;
    if (!target || !pick.dataset.kbUrl) return;
    event.preventDefault();
    void fetchAndInsert(target.dataset.kbId, pick.dataset.kbUrl, '?as=' + encodeURIComponent(target.dataset.kbAs));
  });
})();
