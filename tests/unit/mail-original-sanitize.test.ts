import { sanitizeMailHtml } from '../../src/mail-intake/original-view';

const hostile = [
  '<p onclick="alert(1)" style="background:url(https://t.example/x)" class="topbar">Hi</p>',
  '<script>alert(1)</script><style>body{display:none}</style><iframe src="https://evil.example"></iframe>',
  '<a href="javascript:alert(1)">js</a><a href="https://ok.example/page">ok</a><a href="//proto.example">rel</a>',
  '<img src="https://t.example/pixel.gif" alt="Logo"><img src="http://t.example/p2.gif"><img src="data:image/svg+xml;base64,PHN2Zz4=" alt="svg">',
  '<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline"><form action="https://evil.example"><input name="x"></form><svg onload="alert(1)"></svg>',
].join('');

test('a strict allow-list: no script, style, handlers, frames, forms, javascript: links or CSS', () => {
  const { html } = sanitizeMailHtml(hostile, false);
  for (const bad of [
    '<script',
    '<style',
    'onclick',
    'style=',
    'class=',
    '<iframe',
    'javascript:',
    '<form',
    '<input',
    '<svg',
    'onload',
    'proto.example',
  ])
    expect(html).not.toContain(bad);
  expect(html).toContain('<p>Hi</p>');
  expect(html).toContain('<a href="https://ok.example/page" rel="noopener noreferrer nofollow" target="_blank">ok</a>');
});

test('remote images are placeholders until asked for; inline raster images stay; SVG never', () => {
  const blocked = sanitizeMailHtml(hostile, false, 'image');
  expect(blocked.blockedImages).toBe(2);
  expect(blocked.html).not.toContain('t.example');
  expect(blocked.html).toContain('<span data-blocked-image>[Logo]</span>');
  expect(blocked.html).toContain('<span data-blocked-image>[image]</span>');
  expect(blocked.html).toContain('src="data:image/png;base64,iVBORw0KGgo="');
  expect(blocked.html).not.toContain('image/svg');
  const shown = sanitizeMailHtml(hostile, true);
  expect(shown.blockedImages).toBe(0);
  expect(shown.html).toContain('<img src="https://t.example/pixel.gif" alt="Logo" />');
  expect(shown.html).not.toContain('image/svg');
});
