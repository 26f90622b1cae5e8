import type { Browser } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { adminForm, freshTessera, type WizardEnv } from '../helpers/wizard';
import { collectPageErrors, launchBrowser, serve, step } from './browser';

let tdb: TestDatabase;
let w: WizardEnv;
let server: Awaited<ReturnType<typeof serve>>;
let base: string;
let browser: Browser;
let sink: SmtpSink;

beforeAll(async () => {
  tdb = await createTestDatabase('sqlite');
  w = freshTessera(tdb.dataDir);
  server = await serve((req, res) => w.tessera.handle(req, res));
  base = server.base;
  browser = await launchBrowser();
  sink = await startSmtpSink();
});
afterAll(async () => {
  await browser?.close();
  await sink?.close();
  await server?.close();
  await w?.close();
  await tdb?.drop();
});

test('a new owner installs Tessera in the browser on SQLite and signs in', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = collectPageErrors(page);

  await page.goto(`${base}/helpdesk`);
  expect(new URL(page.url()).pathname).toBe('/install/welcome');
  await step(page, 'wizard-01-welcome');
  await page.getByRole('button', { name: 'Start the installation' }).click();
  expect(await page.locator('.field__error').textContent()).toContain('Tick the box');
  await step(page, 'wizard-01b-welcome-error');
  await page.locator('label[for=accept]').click();
  await page.getByRole('button', { name: 'Start the installation' }).click();

  await page.waitForURL('**/install/checks');
  expect(await page.locator('.alert').textContent()).toContain('Everything needed is in place.');
  await step(page, 'wizard-02-checks');
  await page.getByRole('button', { name: 'Continue' }).click();

  await page.waitForURL('**/install/database');
  expect(await page.locator('[data-server-fields]').isHidden()).toBe(true); // SQLite is the default
  await page.locator('label[for=client-mysql]').click();
  expect(await page.locator('[data-server-fields]').isVisible()).toBe(true);
  expect(await page.locator('#port').inputValue()).toBe('3306');
  await page.locator('label[for=client-postgres]').click();
  expect(await page.locator('#port').inputValue()).toBe('5432');
  await step(page, 'wizard-03a-database-server');
  await page.locator('label[for=client]').click();
  await page.getByRole('button', { name: 'Test connection' }).click();
  expect(await page.locator('[data-probe]').textContent()).toContain('Connected to SQLite');
  await step(page, 'wizard-03b-database-tested');
  await page.getByRole('button', { name: 'Save and continue' }).click();

  await page.waitForURL('**/install/basics');
  expect(await page.locator('#url').inputValue()).toBe(base);
  await page.getByRole('button', { name: 'Continue' }).click();
  expect(await page.evaluate(() => document.activeElement?.classList.contains('error-summary'))).toBe(true);
  await step(page, 'wizard-04a-basics-errors');
  await page.getByLabel('Help desk name').fill('Acme Support');
  await page.getByLabel('Support e-mail address').fill('help@acme.example');
  await page.getByLabel('Time zone').selectOption('Europe/Bratislava');
  await step(page, 'wizard-04b-basics');
  await page.getByRole('button', { name: 'Continue' }).click();

  // The optional e-mail step: a test mail through a real SMTP server on loopback, then saved.
  await page.waitForURL('**/install/mail');
  // The test's title sits inside its grey box (not on the border), and on a phone, where the step
  // names are hidden, one line names the step; in Slovak too, whose title wraps.
  const inBox = () =>
    page
      .locator('.mail-step-test')
      .evaluate((box) => box.querySelector('legend')!.getBoundingClientRect().top - box.getBoundingClientRect().top);
  expect(await inBox()).toBeGreaterThan(0);
  expect(await page.locator('.steps__phone').isVisible()).toBe(false);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/install/mail?lang=sk`);
  expect(await page.locator('.steps__phone').textContent()).toBe('Krok 5/7: E-mail');
  expect(await inBox()).toBeGreaterThan(0);
  await step(page, 'wizard-04d-mail-phone-sk');
  await page.goto(`${base}/install/mail?lang=en`);
  expect(await page.locator('.steps__phone').textContent()).toBe('Step 5 of 7: E-mail');
  await page.setViewportSize({ width: 1280, height: 900 });
  expect(await page.getByLabel('Sender address').inputValue()).toBe('help@acme.example');
  await page.getByLabel('SMTP server').fill('127.0.0.1');
  await page.getByLabel('SMTP port').fill(String(sink.port));
  await page.getByLabel('Encryption').selectOption('none');
  expect(await page.locator('[data-mail-test-to]').textContent()).toContain('help@acme.example');
  await page.getByRole('button', { name: 'Send a test mail' }).click();
  await page.locator('[data-mail-test="sent"]').waitFor();
  expect(await page.locator('[data-mail-test]').textContent()).toContain(
    'The test e-mail to help@acme.example was accepted by 127.0.0.1.',
  );
  expect((await sink.waitFor(1))[0]!.to).toEqual(['help@acme.example']);
  await step(page, 'wizard-04c-mail-tested');
  await page.getByRole('button', { name: 'Save and continue' }).click();

  await page.waitForURL('**/install/admin');
  // Issue 14 item 8: the administrator's own address, not the support mailbox.
  expect(await page.getByLabel('Your e-mail address').inputValue()).toBe('');
  await page.getByLabel('Your name').fill(adminForm.name);
  await page.getByLabel('Your e-mail address').fill(adminForm.email);
  await page.locator('#password').fill('weakpassword');
  await page.getByRole('button', { name: 'Install Tessera' }).click();
  expect(await page.locator('#password-error').textContent()).toMatch(/too easy to guess|at least 12/);
  await page.getByRole('button', { name: 'Generate' }).click();
  const generated = await page.locator('#password').inputValue();
  expect(generated).toHaveLength(20);
  expect(await page.locator('#password').getAttribute('type')).toBe('text');
  await step(page, 'wizard-05-admin');
  await page.getByRole('button', { name: 'Install Tessera' }).click();

  await page.getByRole('heading', { name: 'Tessera is installed' }).waitFor();
  await step(page, 'wizard-06-finish');
  await page.getByRole('link', { name: 'Sign in to the admin' }).click();

  await page.waitForURL('**/admin/login');
  await step(page, 'admin-01-login');
  await page.getByLabel('E-mail address').fill(adminForm.email);
  await page.locator('#password').fill(generated);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/admin`);
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  // Sending was set up in the wizard: no "mail is not sent" notice.
  expect(await page.locator('[data-mail-sending]').count()).toBe(0);
  await step(page, 'admin-02-dashboard');

  const gone = await page.goto(`${base}/install`);
  expect(gone?.status()).toBe(404);
  await step(page, 'install-after-404');
  expect(errors).toEqual([]);
  await context.close();
  // Seven steps with screenshots and accessibility checks: room for a machine under heavy load.
}, 300_000);

test('the help desk pages work on a phone-sized screen', async () => {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${base}/helpdesk`);
  await step(page, 'phone-helpdesk-home');
  await page.goto(`${base}/admin/login`);
  await step(page, 'phone-admin-login');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.goto(`${base}/helpdesk?lang=sk`);
  expect(await page.locator('html').getAttribute('lang')).toBe('sk');
  expect(errors).toEqual([]);
  await context.close();
});
