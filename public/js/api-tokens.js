/* Tessera — API tokens page. Progressive enhancement: a "Copy" button for the token shown once
   (without script the token is still selectable with one click, see .api-token-once__value). */
(() => {
  'use strict';
  for (const button of document.querySelectorAll('[data-copy]')) {
    const source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener('click', () => {
      navigator.clipboard.writeText(source.textContent.trim()).then(
        () => {
          button.textContent = button.dataset.copied;
        },
        () => undefined,
      );
    });
  }
})();
