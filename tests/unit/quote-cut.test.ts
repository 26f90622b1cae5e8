import { cutQuotedText } from '../../src/mail-intake/quote-cut';

const reply = (above: string, below: string) => `${above}\n\n${below}`;

test.each([
  ['English Gmail', 'On Sun, 6 Dec 2026 at 12:00, Acme Support <help@example.com> wrote:\n> Please restart it.'],
  [
    'English wrapped over two lines',
    'On Sun, 6 Dec 2026 at 12:00, Acme Support\n<help@example.com> wrote:\n> Please restart it.',
  ],
  ['Slovak Gmail', 'ne 6. 12. 2026 o 12:00 Acme Support <help@example.com> napísal(a):\n> Reštartujte ho.'],
  ['Slovak Thunderbird', 'Dňa 6. 12. 2026 o 12:00 Acme Support napísal:\n> Reštartujte ho.'],
  ['Russian Thunderbird', '06.12.2026 12:00, Acme Support пишет:\n> Перезагрузите его.'],
  ['Russian Gmail, no verb', 'вс, 6 дек. 2026 г. в 12:00, Acme Support <help@example.com>:\n> Перезагрузите его.'],
  ['Hungarian Gmail', '2026. dec. 6., V, 12:00 időpontban Acme Support <help@example.com> ezt írta:\n> Indítsa újra.'],
  [
    'Latvian Gmail',
    'svētd., 2026. g. 6. dec., plkst. 12:00 — lietotājs Acme Support (<help@example.com>) rakstīja:\n> Restartējiet.',
  ],
  ['German', 'Am 06.12.2026 um 12:00 schrieb Acme Support <help@example.com>:\n> Bitte neu starten.'],
  ['French', 'Le dim. 6 déc. 2026 à 12:00, Acme Support <help@example.com> a écrit :\n> Redémarrez.'],
  [
    'Outlook original message',
    '-----Original Message-----\nFrom: Acme Support\nSent: Sunday, December 6, 2026 12:00 PM\nTo: Alice\nSubject: RE: printer\n\nPlease restart it.',
  ],
  [
    'Outlook header block',
    '________________________________\nFrom: Acme Support <help@example.com>\nSent: Sunday, December 6, 2026 12:00\nTo: Alice <alice@example.org>\nSubject: printer\n\nPlease restart it.',
  ],
  [
    'Outlook header block in Slovak',
    'Od: Acme Support <help@example.com>\nOdoslané: nedeľa 6. decembra 2026 12:00\nKomu: Alice\nPredmet: tlačiareň\n\nReštartujte ho.',
  ],
  [
    'our reply marker',
    '##- Bitte oberhalb schreiben · reply above this line -##\nAcme Support replied to your request.',
  ],
  ['a bare quote block', '> Please restart it.\n> Sam'],
])('%s: only what the person wrote is kept', (_name, below) => {
  expect(cutQuotedText(reply('It works now, thank you!', below))).toBe('It works now, thank you!');
});

test('a signature after "-- " goes, the text above stays whole', () => {
  expect(cutQuotedText('Thanks, it works.\nSee you.\n\n-- \nAlice Example\n+421 900 000 000')).toBe(
    'Thanks, it works.\nSee you.',
  );
});

test('interleaved quotes are context and stay; a mail that is only quotes is kept whole', () => {
  const interleaved = '> Which model?\nA Laser 2000.\n> Since when?\nYesterday.';
  expect(cutQuotedText(interleaved)).toBe(interleaved);
  expect(cutQuotedText('> only a quote')).toBe('> only a quote');
});

test('"wrote:" inside a sentence and dashes in the text are not cut points', () => {
  const text = 'My colleague wrote: the printer is broken.\nPart number -- 42 -- is missing.\nRegards';
  expect(cutQuotedText(text)).toBe(text);
});

test('CRLF line ends are read like LF', () => {
  expect(cutQuotedText('Fine now.\r\n\r\nOn Sun, 6 Dec 2026, Sam <s@example.com> wrote:\r\n> old')).toBe('Fine now.');
});

test('a translation of our marker (the locale key mail.replyAbove) cuts as the token does', () => {
  const mail = 'Ďakujem, funguje to.\n\n## Odpovedzte nad týmto riadkom ##\nAcme Support odpovedal.';
  expect(cutQuotedText(mail, ['## Odpovedzte nad týmto riadkom ##'])).toBe('Ďakujem, funguje to.');
  expect(cutQuotedText(mail)).toBe(mail);
});
