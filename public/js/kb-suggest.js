// New-ticket form: knowledge-base articles that match the subject, shown while the customer types.
// Without script the form's "search the knowledge base first" link does the same job.
(function () {
  'use strict';
  var box = document.getElementById('kb-suggest');
  var subject = document.getElementById('subject');
  if (!box || !subject || !window.fetch) return;
  var list = box.querySelector('ul');
  var timer = null;
  var asked = '';
  function show(articles) {
    while (list.firstChild) list.removeChild(list.firstChild);
    articles.forEach(function (a) {
      var li = document.createElement('li');
      var link = document.createElement('a');
      link.href = a.href;
      link.target = '_blank';
      link.textContent = a.title;
      li.appendChild(link);
      list.appendChild(li);
    });
    box.hidden = articles.length === 0;
  }
  function ask() {
    var q = subject.value.trim();
    if (q === asked) return;
    asked = q;
    if (q.length < 3) return show([]);
    var session = box.getAttribute('data-session') || '';
    fetch(
      box.getAttribute('data-endpoint') +
        '?q=' +
        encodeURIComponent(q) +
        (session ? '&s=' + encodeURIComponent(session) : ''),
      { headers: { Accept: 'application/json' }, credentials: 'same-origin' },
    )
      .then(function (r) {
        return r.ok ? r.json() : { articles: [] };
      })
      .then(function (data) {
        if (asked === q) show(data.articles || []);
      })
      .catch(function () {
        show([]);
      });
  }
  subject.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
})();
