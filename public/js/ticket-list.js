/* Tessera — the staff ticket list. Progressive enhancement only: without this file the bulk bar
   simply stays visible. With it the bar appears once a ticket is ticked, says how many are, and
   "select all on this page" ticks or unticks every row. */
(() => {
  'use strict';
  const form = document.querySelector('form.bulk');
  if (!form) return;
  const bar = form.querySelector('[data-bulk-bar]');
  const count = form.querySelector('.bulk__count');
  const all = document.getElementById('pick-all');
  const boxes = Array.from(form.querySelectorAll('tbody input[type="checkbox"][name="ids"]'));
  const template = count ? count.getAttribute('data-template') || '{count}' : '{count}';

  const update = () => {
    const ticked = boxes.filter((b) => b.checked).length;
    bar.hidden = ticked === 0;
    if (count) count.textContent = ticked ? template.replace('{count}', String(ticked)) : '';
    if (all) {
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  };

  if (all) {
    all.hidden = false;
    all.addEventListener('change', () => {
      for (const b of boxes) b.checked = all.checked;
      update();
    });
  }
  // "change" bubbles from every row's box, including ticks made by the "x" shortcut.
  form.addEventListener('change', (e) => {
    if (e.target !== all) update();
  });
  form.classList.add('bulk--enhanced');
  update();
})();
