import { renderHtml, renderSubject, renderText } from '../../src/mail/template-render';

const filled = (values: Record<string, string>, links: string[] = []) => ({
  values: new Map(Object.entries(values)),
  links: new Set(links),
});

test('placeholders are filled once: a value that looks like a placeholder stays text', () => {
  const f = filled({ customer_name: '{{ticket_url}}', ticket_url: 'https://help.example.com/t/1' }, ['ticket_url']);
  expect(renderText('Hi {{customer_name}}, see {{ ticket_url }}', f)).toBe(
    'Hi {{ticket_url}}, see https://help.example.com/t/1',
  );
  expect(renderHtml('Hi {{customer_name}}', f)).toBe('<p style="margin:0 0 16px;">Hi {{ticket_url}}</p>');
});

test('unknown placeholders stay as typed; text outside placeholders is escaped in HTML', () => {
  const f = filled({ subject: 'a < b' });
  expect(renderText('{{nope}} {{subject}}', f)).toBe('{{nope}} a < b');
  expect(renderHtml('<script>x</script> {{nope}} {{subject}}', f)).toBe(
    '<p style="margin:0 0 16px;">&lt;script&gt;x&lt;/script&gt; {{nope}} a &lt; b</p>',
  );
});

test('paragraphs and line breaks are kept; multi-line values get <br>; link placeholders become links', () => {
  const f = filled({ reply_text: 'one\n<two>', ticket_url: 'https://x.test/?a=1&b="2"' }, ['ticket_url']);
  expect(renderHtml('A\nB\n\n{{reply_text}}\n\n{{ticket_url}}', f)).toBe(
    [
      '<p style="margin:0 0 16px;">A<br>B</p>',
      '<p style="margin:0 0 16px;">one<br>&lt;two&gt;</p>',
      '<p style="margin:0 0 16px;"><a href="https://x.test/?a=1&amp;b=&#34;2&#34;" style="color:#2563eb;">https://x.test/?a=1&amp;b=&#34;2&#34;</a></p>',
    ].join('\n'),
  );
});

test('a subject loses line breaks and control characters after filling', () => {
  expect(renderSubject('Re: {{subject}}', filled({ subject: 'x\r\nBcc: evil@example.com' }))).toBe(
    'Re: x Bcc: evil@example.com',
  );
});
