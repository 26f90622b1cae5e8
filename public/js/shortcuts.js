/* Tessera — keyboard shortcuts of the staff pages. "?" lists them in an accessible dialog.
   No shortcut fires while typing in a field or with Ctrl/Alt/Cmd held, so typing is never
   hijacked; without script every action is still a link or a button. */
(() => {
  'use strict';
  const help = document.getElementById('shortcuts-help');
  const table = document.querySelector('[data-ticket-list]');
  const rows = table ? Array.from(table.querySelectorAll('tbody tr[data-href]')) : [];
  let current = -1;
  let pendingG = 0;

  const typing = (el) => {
    if (!el || !(el instanceof Element)) return false;
    if (el.isContentEditable) return true;
    const tag = el.tagName;
    if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
    if (tag !== 'INPUT') return false;
    return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(
      (el.getAttribute('type') || 'text').toLowerCase(),
    );
  };

  const select = (index) => {
    if (rows.length === 0) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach((r, i) => {
      r.classList.toggle('is-current', i === current);
    });
    const link = rows[current].querySelector('a[href]');
    if (link) link.focus();
    rows[current].scrollIntoView({ block: 'nearest' });
  };

  const focusField = (id) => {
    const el = document.getElementById(id);
    if (!el) return false;
    const details = el.closest('details');
    if (details) details.open = true;
    el.focus();
    el.scrollIntoView({ block: 'center' });
    return true;
  };

  let returnFocus = null;
  if (help)
    help.addEventListener('close', () => {
      if (returnFocus?.focus) returnFocus.focus();
      returnFocus = null;
    });

  const openHelp = () => {
    if (!help || help.open) return;
    returnFocus = document.activeElement;
    if (typeof help.showModal === 'function') help.showModal();
    else help.setAttribute('open', '');
    const close = help.querySelector('[data-shortcuts-close]');
    if (close) close.focus();
  };

  // "/" on another page lands on the list with its search box focused.
  if (location.hash === '#q') focusField('q');

  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    if (help?.open) return; // the dialog handles Escape itself
    const key = e.key;
    const now = Date.now();
    if (pendingG && now - pendingG < 1500) {
      pendingG = 0;
      if (key === 'i') {
        e.preventDefault();
        location.href = '/admin/tickets';
      } else if (key === 'd') {
        e.preventDefault();
        location.href = '/admin';
      }
      return;
    }
    pendingG = 0;
    switch (key) {
      case '?':
        e.preventDefault();
        openHelp();
        break;
      case '/':
        e.preventDefault();
        if (!focusField('q')) location.href = '/admin/tickets#q';
        break;
      case 'j':
        e.preventDefault();
        select(current + 1);
        break;
      case 'k':
        e.preventDefault();
        select(current - 1);
        break;
      case 'o':
      case 'Enter':
        if (current >= 0 && rows[current] && (key === 'o' || e.target === document.body)) {
          e.preventDefault();
          location.href = rows[current].getAttribute('data-href');
        }
        break;
      case 'x':
        if (current >= 0 && rows[current]) {
          const box = rows[current].querySelector('input[type="checkbox"]');
          if (box) {
            e.preventDefault();
            box.checked = !box.checked;
            box.dispatchEvent(new Event('change', { bubbles: true }));
          }
        }
        break;
      case 'r':
        if (focusField('message')) e.preventDefault();
        break;
      case 'n':
        if (focusField('note')) e.preventDefault();
        break;
      case 'c':
        e.preventDefault();
        location.href = '/admin/tickets/new';
        break;
      case 'g':
        pendingG = now;
        break;
      default:
        break;
    }
  });
})();
