import { linkify } from '../../src/tickets/message-text';

const anchor = (url: string) => `<a href="${url}" rel="noopener noreferrer nofollow">${url}</a>`;

test('a typical URL becomes a link, the rest stays escaped text', () => {
  expect(linkify('See https://example.com/docs?a=1&b=2 for <details>.')).toBe(
    `See ${anchor('https://example.com/docs?a=1&amp;b=2')} for &lt;details&gt;.`,
  );
  expect(linkify('Write to mailto:help@example.com please')).toBe(
    `Write to ${anchor('mailto:help@example.com')} please`,
  );
  expect(linkify('line one\nhttp://example.org/x\nline three')).toBe(
    `line one\n${anchor('http://example.org/x')}\nline three`,
  );
});

test('trailing punctuation and unbalanced brackets end the sentence, not the link', () => {
  expect(linkify('Go to https://example.com/a.')).toBe(`Go to ${anchor('https://example.com/a')}.`);
  expect(linkify('(see https://example.com/a)')).toBe(`(see ${anchor('https://example.com/a')})`);
  expect(linkify('https://en.wikipedia.org/wiki/Foo_(bar), next')).toBe(
    `${anchor('https://en.wikipedia.org/wiki/Foo_(bar)')}, next`,
  );
  expect(linkify("'https://example.com/q'?!")).toBe(`&#39;${anchor('https://example.com/q')}&#39;?!`);
});

test('hostile input never becomes markup or a script link', () => {
  for (const hostile of [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox',
    'xhttps://evil.example',
    'https://',
    'mailto:',
    'mailto:javascript:alert(1)',
  ]) {
    const html = linkify(hostile);
    expect([hostile, html.includes('<a ')]).toEqual([hostile, false]);
    expect(html).not.toMatch(/<(?!\/?a[ >])/);
  }
  const breakout = linkify('https://example.com/"><script>alert(1)</script>');
  expect(breakout).toBe(`${anchor('https://example.com/')}&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;`);
  const quoted = linkify(`https://example.com/it's"onmouseover="alert(1)`);
  expect(quoted).toBe(`${anchor('https://example.com/it&#39;s')}&#34;onmouseover=&#34;alert(1)`);
  expect(linkify('"><script>alert(1)</script>')).toBe('&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(linkify('https://exa<mple.com')).toBe(`${anchor('https://exa')}&lt;mple.com`);
});

test('very long lines are linked in one pass and over-long URLs stay text', () => {
  const long = `https://example.com/${'a'.repeat(3000)}`;
  expect(linkify(long)).toBe(long);
  const many = 'https://example.com/x '.repeat(20_000) + '.'.repeat(100_000);
  // Linear work (no backtracking, no rescanning per trimmed character): these finish at once.
  expect(linkify(many).match(/<a /g)).toHaveLength(20_000);
  expect(linkify('.'.repeat(200_000) + 'https://a.example' + ')'.repeat(50_000))).toContain(
    anchor('https://a.example'),
  );
});
