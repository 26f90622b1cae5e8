/* Tessera — file inputs: say at once when a file is too large or there are too many, before
   a long upload that the server would refuse (and that would lose what was typed). The server
   checks again; this only saves the wait. */
(() => {
  'use strict';
  for (const input of document.querySelectorAll('input[type="file"][data-max-bytes]')) {
    const check = () => {
      const maxCount = Number(input.getAttribute('data-max-count'));
      const maxBytes = Number(input.getAttribute('data-max-bytes'));
      const files = Array.from(input.files || []);
      let message = '';
      if (files.length > maxCount) message = input.getAttribute('data-msg-too-many') || '';
      const big = files.find((f) => f.size > maxBytes);
      if (!message && big) message = (input.getAttribute('data-msg-too-large') || '').replace('{name}', big.name);
      input.setCustomValidity(message);
      if (message) input.reportValidity();
    };
    input.addEventListener('change', check);
    // The forms are novalidate (errors are shown the server's way), so hold this one back here.
    if (input.form) {
      input.form.addEventListener(
        'submit',
        (event) => {
          check();
          if (input.validationMessage) event.preventDefault();
        },
        true,
      ); // capture: before the double-submit guard of forms.js disables the button
    }
  }
})();
