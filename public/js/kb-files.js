/* Tessera — article editor: "Insert" puts a file's Markdown into the body at the cursor (without
   script the Markdown is there to copy). Uploading a file reloads the page, so the editor also
   asks before leaving with unsaved text. */
(() => {
  'use strict';
  const body = document.getElementById('body');
  if (!body) return;
  for (const button of document.querySelectorAll('[data-kb-insert]')) {
    button.hidden = false;
    button.addEventListener('click', () => {
      const text = button.getAttribute('data-kb-insert') || '';
      const start = body.selectionStart ?? body.value.length;
      const end = body.selectionEnd ?? start;
      const before = body.value.slice(0, start);
      const gap = before && !before.endsWith('\n') ? '\n\n' : '';
      body.value = before + gap + text + body.value.slice(end);
      const at = start + gap.length + text.length;
      body.focus();
      body.setSelectionRange(at, at);
      body.dispatchEvent(new Event('input', { bubbles: true }));
    });
  }
  const form = body.form;
  if (!form) return;
  const saved = body.value;
  let leaving = false;
  form.addEventListener('submit', () => {
    leaving = true;
  });
  window.addEventListener('beforeunload', (event) => {
    if (!leaving && body.value !== saved) event.preventDefault();
  });
})();
