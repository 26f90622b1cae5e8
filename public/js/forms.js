/* Tessera — form helpers. Progressive enhancement only: every page works without this file.
   1. [data-toggle-password="ID"]   show/hide the password in #ID
   2. [data-generate-password="ID"] fill #ID with a strong random password
   3. [data-autofocus]              focus (the error summary) on load
   4. every form                    prevent double submit, keeping the used button's name/value
   5. [data-shown-when="NAME=VALUE"] shown (and sent) only while the radio NAME has VALUE checked */
(() => {
  'use strict';

  const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789';
  const GENERATED_LENGTH = 20;
  const SUBMITTER_MARK = 'data-submitter-copy';

  // ---- 1. Show / hide password ----------------------------------------------

  const toggles = Array.from(document.querySelectorAll('[data-toggle-password]'));

  for (const button of toggles) {
    // Remember the labels once: the original text is the "show" label unless one is given.
    button.dataset.labelShow = button.dataset.labelShow || button.textContent.trim();
    button.dataset.labelHide = button.dataset.labelHide || 'Hide';
  }

  /** Reveal or mask #id and bring every toggle button for it up to date. */
  function setPasswordVisible(id, visible) {
    const input = document.getElementById(id);
    if (!input) return;
    input.type = visible ? 'text' : 'password';
    for (const button of toggles) {
      if (button.dataset.togglePassword !== id) continue;
      button.setAttribute('aria-pressed', String(visible));
      button.textContent = visible ? button.dataset.labelHide : button.dataset.labelShow;
    }
  }

  for (const button of toggles) {
    button.addEventListener('click', () => {
      const input = document.getElementById(button.dataset.togglePassword);
      if (!input) return;
      setPasswordVisible(input.id, input.type === 'password');
    });
  }

  // ---- 2. Generate a password ------------------------------------------------

  /** A random string from ALPHABET; rejection sampling keeps every character equally likely. */
  function randomPassword(length) {
    const limit = 256 - (256 % ALPHABET.length); // largest multiple of the alphabet size ≤ 256
    const bytes = new Uint8Array(length * 2);
    let out = '';
    while (out.length < length) {
      crypto.getRandomValues(bytes);
      for (const b of bytes) {
        if (b >= limit) continue;
        out += ALPHABET[b % ALPHABET.length];
        if (out.length === length) break;
      }
    }
    return out;
  }

  const canGenerate = typeof crypto !== 'undefined' && typeof crypto.getRandomValues === 'function';

  for (const button of document.querySelectorAll('[data-generate-password]')) {
    if (!canGenerate) {
      button.hidden = true;
      continue;
    }
    button.addEventListener('click', () => {
      const input = document.getElementById(button.dataset.generatePassword);
      if (!input) return;
      input.value = randomPassword(GENERATED_LENGTH);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      setPasswordVisible(input.id, true);

      const scope = input.form || document;
      const note = scope.querySelector('[data-generated-note]') || document.querySelector('[data-generated-note]');
      if (note) {
        note.hidden = false;
        if (note.id) {
          const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
          if (!ids.includes(note.id)) input.setAttribute('aria-describedby', ids.concat(note.id).join(' '));
        }
      }
    });
  }

  // ---- 3. Focus the error summary --------------------------------------------

  const autofocus = document.querySelector('[data-autofocus]');
  if (autofocus) {
    if (!autofocus.hasAttribute('tabindex')) autofocus.setAttribute('tabindex', '-1');
    autofocus.focus();
  }

  // ---- 5. Fields of one choice only --------------------------------------------

  // Hidden fields are disabled too, so a value a password manager put there is not sent with the other choice.
  for (const block of document.querySelectorAll('[data-shown-when]')) {
    const [name, value] = block.getAttribute('data-shown-when').split('=');
    const form = block.closest('form');
    if (!form) continue;
    const sync = () => {
      const chosen = form.querySelector(`input[type="radio"][name="${name}"]:checked`);
      const shown = Boolean(chosen && chosen.value === value);
      block.hidden = !shown;
      for (const input of block.querySelectorAll('input, select, textarea, button')) input.disabled = !shown;
    };
    form.addEventListener('change', (event) => {
      if (event.target instanceof HTMLInputElement && event.target.name === name) sync();
    });
    sync();
  }

  // ---- 4. No double submit ----------------------------------------------------

  // Fallback for browsers without SubmitEvent.submitter: remember the last submit button clicked.
  let lastClicked = null;
  document.addEventListener(
    'click',
    (event) => {
      const target =
        event.target instanceof Element
          ? event.target.closest('button, input[type="submit"], input[type="image"]')
          : null;
      lastClicked = target && target.type !== 'button' && target.type !== 'reset' ? target : null;
    },
    true,
  );

  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if (!form.checkValidity()) return;

    let submitter = event.submitter || null;
    if (!submitter && lastClicked && lastClicked.form === form) submitter = lastClicked;
    lastClicked = null;
    if (!submitter || submitter.disabled) return;
    // A form sent into a frame (the template preview) leaves this page as it is: nothing to guard.
    if ((submitter.getAttribute('formtarget') || form.target || '_self') !== '_self') return;

    // A disabled button is left out of the submission, so carry its name/value in a hidden copy.
    for (const old of form.querySelectorAll('input[' + SUBMITTER_MARK + ']')) old.remove();
    if (submitter.name) {
      const copy = document.createElement('input');
      copy.type = 'hidden';
      copy.name = submitter.name;
      copy.value = submitter.value;
      copy.setAttribute(SUBMITTER_MARK, '');
      form.appendChild(copy);
    }

    // The entry list is built after this handler returns; the hidden copy above stands in for the button.
    submitter.disabled = true;
    submitter.setAttribute('aria-busy', 'true');
    submitter.setAttribute(SUBMITTER_MARK, '');
  });

  // Back/forward cache: a page restored after submitting must be usable again.
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    for (const el of document.querySelectorAll('[' + SUBMITTER_MARK + ']')) {
      if (el instanceof HTMLInputElement && el.type === 'hidden') {
        el.remove();
      } else {
        el.disabled = false;
        el.removeAttribute('aria-busy');
        el.removeAttribute(SUBMITTER_MARK);
      }
    }
  });
})();
