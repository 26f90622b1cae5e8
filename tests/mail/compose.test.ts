import { createI18n, languageCodes } from '../../src/i18n/i18n';
import { composeMail, paragraphs, type ComposeContext } from '../../src/mail/compose';
import { mailTemplates } from '../../src/mail/mail.schema';
import { sampleRequest, ticketTemplates } from '../helpers/mail-samples';

const ctx: ComposeContext = { i18n: createI18n(), site: { name: 'Acme <Support>', url: 'https://help.acme.test', email: 'help@acme.test' }, now: Date.UTC(2026, 10, 23) };
const evil = '<script>alert(1)</script>';

describe.each(mailTemplates)('%s', (template) => {
  test.each(languageCodes)('renders completely in %s', async (language) => {
    const mail = await composeMail(ctx, sampleRequest(template, { language }));
    for (const part of [mail.subject, mail.text, mail.html]) {
      expect(part).not.toMatch(/\bmail\.[a-z_]+\.[a-zA-Z]+/); // a missing translation shows its key
      expect(part).not.toContain('{{');
    }
    expect(mail.html).toContain(`<html lang="${language}">`);
    expect(mail.subject.startsWith(`[#ABC-234-DEFG] `)).toBe(ticketTemplates.includes(template));
    if (language !== 'en') {
      const english = await composeMail(ctx, sampleRequest(template, { language: 'en' }));
      expect(mail.subject).not.toBe(english.subject);
      expect(mail.text).not.toBe(english.text);
    }
  });

  test('escapes what people typed in HTML and keeps it as plain text in the text part', async () => {
    const mail = await composeMail(ctx, sampleRequest(template, { text: evil }));
    expect(mail.html).not.toContain('<script');
    expect(mail.html).not.toContain('<Support>');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.text).toContain(evil);
    expect(mail.text).not.toContain('&lt;');
    expect(mail.text).toContain('Acme <Support>');
  });
});

test('ticket subjects carry the formatted tracking ID', async () => {
  const mail = await composeMail(ctx, sampleRequest('ticket_received', { text: 'Printer on fire' }));
  expect(mail.subject).toBe('[#ABC-234-DEFG] We have received your request: Printer on fire');
  expect(mail.text).toContain('Tracking ID: ABC-234-DEFG');
  expect(mail.html).toContain('href="https://help.acme.test/helpdesk/tickets/ABC234DEFG?token=t0k"');
});

test('a reply keeps its line breaks: <br> in HTML, newlines in text', async () => {
  const mail = await composeMail(ctx, sampleRequest('staff_replied', { text: 'x' }));
  expect(mail.html).toContain('First line x<br>second line</p>');
  expect(mail.html).toContain('>New paragraph</p>');
  expect(mail.text).toContain('First line x\nsecond line\n\nNew paragraph');
  expect(paragraphs('a\r\nb\r\n\r\n\r\nc')).toEqual([['a', 'b'], ['c']]);
});

test('staff mail links to the ticket in the staff area', async () => {
  const mail = await composeMail(ctx, sampleRequest('staff_new_ticket'));
  expect(mail.html).toContain('href="https://help.acme.test/admin/tickets/42"');
  expect(mail.text).toContain('https://help.acme.test/admin/tickets/42');
  expect(mail.text).toContain('Customer: Eve Printer on fire <eve@example.com>');
});

test('header values lose their line breaks, so a name or subject can never add a header', async () => {
  const injected = 'Hi\r\nBcc: x@evil.test\nX-Evil: 1';
  const mail = await composeMail(ctx, sampleRequest('ticket_received', { text: injected, to: { address: 'eve@example.com', name: `Eve\r\nBcc: y@evil.test` } }));
  expect(mail.subject).toBe('[#ABC-234-DEFG] We have received your request: Hi Bcc: x@evil.test X-Evil: 1');
  expect(mail.headers.toName).toBe('Eve Bcc: y@evil.test');
  expect(`${mail.subject}${mail.headers.toName}`).not.toMatch(/[\r\n]/);
});

test('every mail gets its own Message-ID on the help desk host; automatic mail is marked', async () => {
  const a = await composeMail(ctx, sampleRequest('ticket_received'));
  const b = await composeMail(ctx, { ...sampleRequest('staff_replied'), inReplyTo: '<x1@mail.example.com>', references: ['<x0@mail.example.com>', '<x1@mail.example.com>'] });
  expect(a.emailMessageId).toMatch(/^<[0-9a-z]+\.[0-9a-f]{24}@help\.acme\.test>$/);
  expect(b.emailMessageId).not.toBe(a.emailMessageId);
  expect(a.headers).toEqual({ toName: 'Eve Printer on fire', autoSubmitted: true });
  expect(b.headers).toEqual({ toName: 'Eve Printer on fire', inReplyTo: '<x1@mail.example.com>', references: ['<x0@mail.example.com>', '<x1@mail.example.com>'] });
});

test('a language Tessera does not ship falls back to English', async () => {
  const mail = await composeMail(ctx, sampleRequest('ticket_received', { language: 'de' }));
  expect(mail.html).toContain('<html lang="en">');
  expect(mail.subject).toContain('We have received your request');
});

test('invalid values are refused before anything is stored', async () => {
  const good = sampleRequest('ticket_received');
  if (good.template !== 'ticket_received') throw new Error('unexpected sample');
  const bad = [
    { ...good, vars: { ticket: { ...good.vars.ticket, url: 'javascript:alert(1)' } } },
    { ...good, vars: { ticket: { ...good.vars.ticket, trackingId: 'NOT-AN-ID' } } },
    { ...good, to: { address: 'eve@example.com\r\nBcc: x@evil.test' } },
    { ...good, to: { address: 'Eve <eve@example.com>' } },
    { ...good, inReplyTo: '<a@b>\r\nBcc: x@evil.test' },
  ];
  for (const request of bad) await expect(composeMail(ctx, request)).rejects.toThrow();
});
