import { adminCredentials, signedInAgent, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { importMail } from '../helpers/mail-intake';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

test('a mail too big to import is listed with the sender and subject of its header block, escaped', async () => {
  await t.services.settings.save({ 'intake.maxMailMb': 1 });
  const filler = 'x'.repeat(76).concat('\r\n').repeat(20_000); // about 1.5 MB of body
  const raw = Buffer.from(
    [
      'From: "Tom <b>Big</b>" <tom@example.org>',
      'To: help@example.com',
      `Subject: =?UTF-8?Q?Pr=C3=ADloha_<script>?=`,
      'Message-ID: <too-big-list@example.org>',
      '',
      filler,
    ].join('\r\n'),
  );
  expect(await importMail(t, raw)).toMatchObject({ outcome: 'kept_aside', reason: 'too_big' });
  const agent = await signedInAgent(t, adminCredentials);
  const page = await agent.get('/admin/mail/inbound').expect(200);
  expect(page.text).toContain('tom@example.org');
  expect(page.text).toContain('Príloha &lt;script&gt;');
  expect(page.text).not.toContain('(unknown sender)');
  expect(page.text).not.toContain('<script>');
});
