import type { Browser } from 'playwright-core';
import { createI18n } from '../../src/i18n/i18n';
import { composeMail } from '../../src/mail/compose';
import { adminCredentials, installedApp, type InstalledApp } from '../helpers/installed-app';
import { sampleRequest } from '../helpers/mail-samples';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { collectPageErrors, launchBrowser, screenshot, serve, step, signInAt } from './browser';

let t: InstalledApp;
let sink: SmtpSink;
let server: Awaited<ReturnType<typeof serve>>;
let browser: Browser;

beforeAll(async () => {
  t = await installedApp();
  sink = await startSmtpSink();
  server = await serve(t.app);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await sink?.close();
  await t?.close();
});

test.each([
  ['wide', { width: 1280, height: 900 }],
  ['phone', { width: 390, height: 844 }],
])('an admin sets up sending and sends a test e-mail (%s screen)', async (size, viewport) => {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, `${server.base}/admin/settings/sending`, adminCredentials);
  await step(page, `mail-settings-${size}-01-log`);

  await page.selectOption('#mail-transport', 'smtp');
  await page.fill('#mail-smtpHost', '');
  await page.fill('#mail-smtpPort', 'abc');
  await page.getByRole('button', { name: 'Save changes' }).click();
  expect(await page.locator('.error-summary').textContent()).toContain('Enter the SMTP server');
  await step(page, `mail-settings-${size}-02-errors`);

  await page.fill('#mail-smtpHost', '127.0.0.1');
  await page.fill('#mail-smtpPort', String(sink.port));
  await page.selectOption('#mail-smtpSecurity', 'none');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.waitForURL('**/admin/settings/sending?saved=1');
  await page.getByRole('button', { name: 'Send test e-mail' }).click();
  expect(await page.locator('#test .alert').textContent()).toContain('was accepted by 127.0.0.1');
  await step(page, `mail-settings-${size}-03-test-sent`);
  expect(errors).toEqual([]);
  await context.close();
});

test('the HTML e-mail reads well on a wide and a phone screen', async () => {
  const ctx = {
    i18n: createI18n(),
    site: { name: 'Acme Support', url: 'https://help.acme.test', email: 'help@acme.test' },
    now: Date.now(),
    inboundMail: false,
  };
  for (const template of ['ticket_received', 'staff_replied', 'forgot_tracking'] as const) {
    const mail = await composeMail(
      ctx,
      sampleRequest(template, { to: { address: 'eve@example.com', name: 'Eve Example' } }),
    );
    for (const [size, viewport] of [
      ['wide', { width: 1000, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      const page = await browser.newPage({ viewport });
      await page.setContent(mail.html);
      await screenshot(page, `mail-${template}-${size}`);
      await page.close();
    }
  }
});
