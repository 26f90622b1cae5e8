import { createI18n, languageCodes } from '../../src/i18n/i18n';
import { composeMail, paragraphs, type ComposeContext } from '../../src/mail/compose';
import { mailTemplates } from '../../src/mail/mail.schema';
import { inboundMailActive, replyMarkerToken } from '../../src/mail/inbound';
import { settingDefinitions, type Settings } from '../../src/settings/settings.schema';

const settingDefaults = () =>
  Object.fromEntries(Object.entries(settingDefinitions).map(([k, d]) => [k, d.fallback])) as unknown as Settings;
import { defaultTemplateText } from '../../src/mail/template-texts';
import { sampleRequest, ticketTemplates } from '../helpers/mail-samples';

const ctx: ComposeContext = {
  i18n: createI18n(),
  site: { name: 'Acme <Support>', url: 'https://help.acme.test', email: 'help@acme.test' },
  now: Date.UTC(2026, 10, 23),
  inboundMail: false,
};
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
  const mail = await composeMail(
    ctx,
    sampleRequest('ticket_received', {
      text: injected,
      to: { address: 'eve@example.com', name: `Eve\r\nBcc: y@evil.test` },
    }),
  );
  expect(mail.subject).toBe('[#ABC-234-DEFG] We have received your request: Hi Bcc: x@evil.test X-Evil: 1');
  expect(mail.headers.toName).toBe('Eve Bcc: y@evil.test');
  expect(`${mail.subject}${mail.headers.toName}`).not.toMatch(/[\r\n]/);
});

test('every mail gets its own Message-ID on the help desk host; automatic mail is marked', async () => {
  const a = await composeMail(ctx, sampleRequest('ticket_received'));
  const b = await composeMail(ctx, {
    ...sampleRequest('staff_replied'),
    inReplyTo: '<x1@mail.example.com>',
    references: ['<x0@mail.example.com>', '<x1@mail.example.com>'],
  });
  expect(a.emailMessageId).toMatch(/^<[0-9a-z]+\.[0-9a-f]{24}@help\.acme\.test>$/);
  expect(b.emailMessageId).not.toBe(a.emailMessageId);
  expect(a.headers).toEqual({ toName: 'Eve Printer on fire', autoSubmitted: true });
  expect(b.headers).toEqual({
    toName: 'Eve Printer on fire',
    inReplyTo: '<x1@mail.example.com>',
    references: ['<x0@mail.example.com>', '<x1@mail.example.com>'],
  });
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

describe('until inbound mail exists, no customer mail asks for a reply by e-mail', () => {
  const customerTemplates = ['ticket_received', 'staff_replied', 'ticket_resolved', 'forgot_tracking'] as const;
  const answerKeys = [
    'mail.ticket_received.replyHint',
    'mail.staff_replied.replyHint',
    'mail.ticket_resolved.reopen',
  ] as const;
  const inboundTexts = (language: string) => answerKeys.map((key) => ctx.i18n.getFixedT(language)(`${key}Inbound`));

  test('inbound mail is active only when the admin says customers can answer by e-mail', () => {
    expect(inboundMailActive(settingDefaults())).toBe(false);
    expect(inboundMailActive({ ...settingDefaults(), 'mail.inboundReplies': true })).toBe(true);
  });

  test.each(languageCodes)(
    'in %s: every customer template points to the ticket link, never to a reply',
    async (language) => {
      const t = ctx.i18n.getFixedT(language);
      for (const key of answerKeys) expect(t(key)).not.toBe(t(`${key}Inbound`));
      for (const template of customerTemplates) {
        const mail = await composeMail(ctx, sampleRequest(template, { language }));
        for (const part of [mail.text, mail.html])
          for (const inbound of inboundTexts(language)) expect(part).not.toContain(inbound);
        if (template !== 'forgot_tracking')
          expect(mail.text).toContain('https://help.acme.test/helpdesk/tickets/ABC234DEFG?token=t0k');
      }
      const received = await composeMail(ctx, sampleRequest('ticket_received', { language }));
      expect(received.text).toContain(t('mail.ticket_received.replyHint'));
      const replied = await composeMail(ctx, sampleRequest('staff_replied', { language }));
      expect(replied.text).toContain(t('mail.staff_replied.replyHint'));
      const resolved = await composeMail(ctx, sampleRequest('ticket_resolved', { language }));
      expect(resolved.text).toContain(t('mail.ticket_resolved.reopen'));
    },
  );

  test('the English wording says where to answer and that a reply to the mail is lost', async () => {
    const mail = await composeMail(ctx, sampleRequest('staff_replied'));
    expect(mail.text).toContain('open your ticket with the link below');
    expect(mail.text).toContain('Replies to this e-mail do not reach your ticket.');
    expect(mail.text).not.toMatch(/reply to this e-mail/i);
  });

  test('once inbound mail works, the same templates invite a reply again (built-in and editable defaults alike)', async () => {
    const mail = await composeMail({ ...ctx, inboundMail: true }, sampleRequest('staff_replied'));
    expect(mail.text).toContain('To answer, reply to this e-mail or open your ticket.');
    const t = ctx.i18n.getFixedT('en');
    expect(defaultTemplateText('staff_replied', t, false).body).toContain(
      'Replies to this e-mail do not reach your ticket.',
    );
    expect(defaultTemplateText('staff_replied', t, true).body).toContain('reply to this e-mail or open your ticket');
    expect(defaultTemplateText('ticket_resolved', t, false).body).toContain('{{next_step}}');
  });

  test('an override using {{next_step}} gets the wording that works', async () => {
    const overrideFor = async () => ({
      subject: 'Done: {{subject}}',
      body: 'All done.\n\n{{next_step}}\n{{next_step_url}}',
    });
    const mail = await composeMail({ ...ctx, overrideFor }, sampleRequest('ticket_resolved'));
    expect(mail.text).toContain('open your ticket with the link below and send a reply there');
    expect(mail.text).not.toMatch(/reply to this e-mail/i);
  });
});

describe('the "reply above this line" marker and the reply address', () => {
  const customerTicket = [
    'ticket_received',
    'staff_replied',
    'ticket_resolved',
    'follower_staff_replied',
    'ticket_auto_closed',
  ] as const;
  const inbound = { ...ctx, inboundMail: true, replyTo: 'answers@acme.test' };

  test.each(languageCodes)(
    'in %s: the first line of both parts, with the ASCII token the import cuts at',
    async (language) => {
      const marker = ctx.i18n.getFixedT(language)('mail.replyAbove');
      expect(marker).toContain(replyMarkerToken);
      expect(marker).toMatch(/^##- .+ -##$/);
      for (const template of customerTicket) {
        const mail = await composeMail(inbound, sampleRequest(template, { language }));
        expect(mail.text.split('\n')[0]).toBe(marker);
        const body = mail.html.slice(mail.html.indexOf('<body'));
        // Before anything else the mail says: the brand line and the text come after it.
        expect(body.indexOf(marker)).toBeGreaterThan(0);
        expect(body.indexOf(marker)).toBeLessThan(body.indexOf('Acme &lt;Support&gt;'));
        expect(mail.headers.replyTo).toBe('answers@acme.test');
      }
    },
  );

  test('not while replies cannot reach the ticket, and never on other mails', async () => {
    for (const template of customerTicket) {
      const mail = await composeMail({ ...ctx, replyTo: 'answers@acme.test' }, sampleRequest(template));
      expect(mail.text).not.toContain(replyMarkerToken);
      expect(mail.html).not.toContain(replyMarkerToken);
      expect(mail.headers.replyTo).toBeUndefined();
    }
    for (const template of mailTemplates.filter((t) => !(customerTicket as readonly string[]).includes(t))) {
      const mail = await composeMail(inbound, sampleRequest(template));
      expect(mail.text).not.toContain(replyMarkerToken);
      expect(mail.headers.replyTo).toBeUndefined();
    }
  });
});
