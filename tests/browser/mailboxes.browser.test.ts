import type { Browser } from 'playwright-core';
import { fetchPolicy } from '../../src/jobs/mail-fetch';
import { runDueJobs } from '../../src/jobs/job-runner';
import { describeWithDovecot, startDovecot, type DovecotServer } from '../helpers/dovecot';
import { adminCredentials, installedApp, type InstalledApp } from '../helpers/installed-app';
import { customerMail } from '../helpers/mailbox-fixtures';
import { collectPageErrors, launchBrowser, serve, signInAt, step } from './browser';

/** An admin sets up a mailbox on /admin/mailboxes, tests it against Dovecot and sees it fetched. */
describeWithDovecot('mailboxes in the browser', () => {
  let t: InstalledApp;
  let dc: DovecotServer;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;

  beforeAll(async () => {
    t = await installedApp();
    dc = await startDovecot();
    server = await serve(t.app);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await dc?.close();
    await t?.close();
  });

  test.each([
    ['wide', { width: 1280, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ])('an admin adds a mailbox, tests the connection and sees its mail fetched (%s screen)', async (size, viewport) => {
    await t.db('mailboxes').del();
    dc.deliver(customerMail({ n: `browser-${size}`, subject: `Browser ${size} question` }));
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInAt(page, `${server.base}/admin/mailboxes`, adminCredentials);
    await step(page, `mailboxes-${size}-01-empty`);

    await page.getByRole('link', { name: 'Add a mailbox' }).click();
    await page.fill('#name', 'Support inbox');
    await page.fill('#host', 'bad host\nname');
    await page.fill('#port', '99999');
    await page.getByRole('button', { name: 'Save mailbox' }).click();
    const summary = await page.locator('.error-summary').textContent();
    expect(summary).toContain('Enter a server name like imap.example.com');
    expect(summary).toContain('Enter a port from 1 to 65535');
    await step(page, `mailboxes-${size}-02-errors`);

    await page.fill('#host', dc.host);
    await page.fill('#port', String(dc.imapPort));
    await page.selectOption('#security', 'none');
    await page.fill('#username', dc.user);
    await page.fill('#password', 'not the password');
    await page.getByRole('button', { name: 'Test connection' }).click();
    expect(await page.locator('#test-result').textContent()).toContain('The server refused the user name or password.');
    await step(page, `mailboxes-${size}-03-test-refused`);

    await page.fill('#password', dc.password);
    await page.getByRole('button', { name: 'Test connection' }).click();
    expect(await page.locator('#test-result').textContent()).toMatch(/signed in as .*The folder INBOX holds \d+ messages?\./);
    await step(page, `mailboxes-${size}-04-test-ok`);

    await page.fill('#password', dc.password);
    await page.getByRole('button', { name: 'Save mailbox' }).click();
    await page.waitForURL('**/admin/mailboxes?done=saved');
    t.clock.advance(fetchPolicy.retryAfterErrorMs + 1);
    await runDueJobs(t.services);
    await page.reload();
    expect(await page.locator('table').textContent()).toMatch(/Fine; \d+ messages? taken/);
    await step(page, `mailboxes-${size}-05-fetched`);
    expect(await t.db('tickets').where({ subject: `Browser ${size} question` }).first()).toBeTruthy();
    expect(errors).toEqual([]);
    await context.close();
  });
});
