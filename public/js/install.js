/* Tessera — install wizard helpers. Progressive enhancement only: the wizard works without this file.
   1. Database step: hide the server fields for SQLite; swap the default port between MySQL and PostgreSQL.
   2. Basics step: preselect the browser's time zone instead of UTC. */
(() => {
  'use strict';

  // ---- 1. Database step --------------------------------------------------------

  const DEFAULT_PORTS = { mysql: '3306', postgres: '5432' };

  const dbForm = document.querySelector('[data-database-form]');
  if (dbForm) {
    const serverFields = dbForm.querySelector('[data-server-fields]');
    const port = dbForm.querySelector('#port') || document.getElementById('port');
    const radios = Array.from(dbForm.querySelectorAll('input[type="radio"][name="client"]'));

    const selectedClient = () => {
      const checked = radios.find((r) => r.checked);
      return checked ? checked.value : null;
    };

    const showServerFields = () => {
      if (serverFields) serverFields.hidden = selectedClient() === 'sqlite';
    };

    const adjustPort = (client) => {
      if (!port || !(client in DEFAULT_PORTS)) return;
      const current = port.value.trim();
      const otherDefaults = Object.keys(DEFAULT_PORTS)
        .filter((c) => c !== client)
        .map((c) => DEFAULT_PORTS[c]);
      if (current === '' || otherDefaults.includes(current)) port.value = DEFAULT_PORTS[client];
    };

    for (const radio of radios) {
      radio.addEventListener('change', () => {
        if (!radio.checked) return;
        showServerFields();
        adjustPort(radio.value);
      });
    }
    showServerFields();
  }

  // ---- 2. Basics step: time zone -------------------------------------------------

  const timezone = document.getElementById('timezone');
  // Only a value the server pre-filled (not one the user chose) is replaced by the browser's zone.
  const guess = document.querySelector('[data-guess-timezone]') !== null;
  if (timezone instanceof HTMLSelectElement && timezone.value === 'UTC' && guess) {
    let browserZone = '';
    try {
      browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    } catch {
      browserZone = '';
    }
    if (browserZone && browserZone !== 'UTC' && Array.from(timezone.options).some((o) => o.value === browserZone)) {
      timezone.value = browserZone;
    }
  }
})();
