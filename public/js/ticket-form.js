/* Tessera — ticket form: show only the custom fields of the chosen category.
   Progressive enhancement: without it every field shows and the server uses the chosen
   category's fields only. */
(() => {
  'use strict';
  const form = document.querySelector('[data-ticket-form]');
  if (!form) return;
  const select = form.querySelector('#category');
  const update = () => {
    const chosen = select ? select.value : '';
    for (const el of form.querySelectorAll('[data-field-categories]')) {
      const cats = el.getAttribute('data-field-categories') || '';
      el.hidden = !(cats === 'all' || (chosen !== '' && cats.split(',').includes(chosen)));
    }
  };
  if (select) select.addEventListener('change', update);
  update();
})();
