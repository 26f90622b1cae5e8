import { kbMarkdownToText } from '../../src/kb/kb-plain-text';

test('an article as plain text for a reply: structure kept in text, links with their address, nothing as HTML', () => {
  const text = kbMarkdownToText(
    '## Steps\n\n1. Open the **Sign in** page.\n2. Choose *Forgot password*.\n   - nested\n\nSee [the guide](https://x.example/g) or https://y.example.\n\n> quoted\n> more\n\n| Plan | Day |\n| --- | --- |\n| Monthly | 1st |\n\n```\ncode here\n```\n\n<script>alert(1)</script> & done',
  );
  expect(text).toBe(
    [
      'Steps',
      '',
      '1. Open the Sign in page.',
      '2. Choose Forgot password.',
      '  - nested',
      '',
      'See the guide (https://x.example/g) or https://y.example.',
      '',
      '> quoted',
      '> more',
      '',
      'Plan | Day',
      'Monthly | 1st',
      '',
      'code here',
      '',
      '<script>alert(1)</script> & done', // plain text: the reply shows it escaped, as typed
    ].join('\n'),
  );
});

test('a list item of several lines keeps its indent; an empty article is empty', () => {
  expect(kbMarkdownToText('- one\n  still one\n- two')).toBe('- one\n  still one\n- two');
  expect(kbMarkdownToText('')).toBe('');
});
