// Print view: a "Print" button for people who look for one (the browser's own print works too).
(function () {
  'use strict';
  var button = document.getElementById('print-button');
  if (!button) return;
  button.hidden = false;
  button.addEventListener('click', function () {
    window.print();
  });
})();
