import type { Browser } from 'playwright-core';
import { startListening } from '../../src/jobs/job-runner';
import { describeWithDovecot, startDovecot, type DovecotServer } from '../helpers/dovecot';
import { adminCredentials, installedApp, type InstalledApp } from '../helpers/installed-app';
import { customerMail } from '../helpers/mailbox-fixtures';
import { waitFor } from '../helpers/wait-for';
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
    expect(await page.locator('#test-result').textContent()).toMatch(
      /signed in as .*The folder INBOX holds \d+ messages?\./,
    );
    await step(page, `mailboxes-${size}-04-test-ok`);

    await page.fill('#password', dc.password);
    await page.getByRole('button', { name: 'Save mailbox' }).click();
    await page.waitForURL('**/admin/mailboxes?done=saved');
    // "Customers can answer by e-mail" is off on a fresh install: the page says so, with the way there.
    expect(await page.locator('#replies-off').textContent()).toContain('Customers are not invited to answer by e-mail');
    expect(await page.locator('#replies-off a').getAttribute('href')).toBe(
      '/admin/settings/sending#mail-inboundReplies',
    );
    expect(await page.locator('[data-reading]').textContent()).toBe('Checked every 30 s');
    // The web process's IDLE listener connects, fetches what waits, and listens.
    const listener = startListening(t.services, { checkEveryMs: 200 })!;
    try {
      const id = Number((await t.db('mailboxes').first('id')).id);
      await waitFor(
        async () => {
          const box = await t.db('mailboxes').where({ id }).first();
          return box.listening_since !== null && box.last_fetch_at !== null; // the run is over, not only its import
        },
        'listening, the waiting mail fetched',
        20_000,
      );
      await page.reload();
      expect(await page.locator('table').textContent()).toMatch(/Fine; \d+ messages? taken/);
      expect(await page.locator('[data-reading]').textContent()).toBe('Listening (IDLE): new mail within seconds');
      await step(page, `mailboxes-${size}-05-fetched`);
    } finally {
      await listener.stop();
    }
    expect(
      await t
        .db('tickets')
        .where({ subject: `Browser ${size} question` })
        .first(),
    ).toBeTruthy();
    expect(errors).toEqual([]);
    await context.close();
  });
});
