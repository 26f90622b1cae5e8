import type { Browser } from 'playwright-core';
import { totpCodeAt } from '../../src/staff/totp';
import { adminCredentials, staffCredentials, type InstalledApp } from '../helpers/installed-app';
import { collectPageErrors, openProfile, type ServedApp, signInAt, signOut, step, useServedApp } from './browser';

let t: InstalledApp;
let server: ServedApp['server'];
let browser: Browser;
useServedApp((served) => {
  ({ t, server, browser } = served);
});

test.each([
  ['wide', { width: 1440, height: 900 }, staffCredentials],
  ['phone', { width: 390, height: 844 }, adminCredentials],
])(
  'a staff member edits their profile, sets up two-factor sign-in and signs in with a code (%s)',
  async (size, viewport, creds) => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInAt(page, `${server.base}/admin`, creds);
    await openProfile(page);
    await step(page, `profile-${size}-01-profile`);
    // Changing the password offers to revoke the API tokens, ticked by default (issue 18 item 17).
    expect(await page.getByLabel('Also revoke my API tokens').isChecked()).toBe(true);

    await page.getByLabel('Signature (optional)').fill(`Kind regards,\n${size} <support>`);
    await page.getByRole('button', { name: 'Save details' }).click();
    expect(await page.locator('.alert--success').textContent()).toContain('Your details have been saved.');
    expect(await page.getByLabel('Signature (optional)').inputValue()).toBe(`Kind regards,\n${size} <support>`);
    await page.getByLabel('Name').fill('');
    await page.getByRole('button', { name: 'Save details' }).click();
    expect(await page.locator('.error-summary').textContent()).toContain('Name');
    await step(page, `profile-${size}-02-error`);

    await page.goto(`${server.base}/admin/profile`);
    await page.getByRole('link', { name: 'Set up two-factor sign-in' }).click();
    await page.waitForURL(/\/admin\/profile\/two-factor$/);
    expect(
      await page
        .getByRole('img', { name: 'QR code for your authenticator app' })
        .evaluate((img) => (img as HTMLImageElement).naturalWidth),
    ).toBeGreaterThan(0);
    const secret = (await page.locator('#totp-secret').getAttribute('data-secret'))!;
    await step(page, `profile-${size}-03-two-factor-setup`);
    await page.getByLabel('Code').fill('12345');
    await page.getByRole('button', { name: 'Turn on' }).click();
    expect(await page.locator('.error-summary').textContent()).toContain('six digits');
    await page.getByLabel('Code').fill(totpCodeAt(secret, t.clock.now()));
    await page.getByRole('button', { name: 'Turn on' }).click();
    expect(await page.locator('.recovery-codes li').count()).toBe(10);
    await step(page, `profile-${size}-04-recovery-codes`);
    await page.getByRole('link', { name: 'I have saved my codes' }).click();
    expect(await page.locator('.alert--success').textContent()).toContain('Two-factor sign-in is on.');

    await signOut(page);
    await page.waitForURL(/signed_out=1/);
    await page.fill('#email', creds.email);
    await page.fill('#password', creds.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\/login\/code$/);
    await step(page, `profile-${size}-05-code`);
    t.clock.advance(30_000);
    await page.getByLabel('Code').fill(totpCodeAt(secret, t.clock.now()));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/admin$/);
    expect(await page.locator('.topbar__user').textContent()).toBe(creds.name);

    // A quarter of an hour later the security settings ask who it is again.
    t.clock.advance(16 * 60_000);
    await page.goto(`${server.base}/admin/profile/two-factor`);
    await page.waitForURL(/\/admin\/confirm-access\?next=/);
    await step(page, `profile-${size}-06-confirm-access`);
    await page.getByLabel('Password', { exact: true }).fill(creds.password);
    await page.getByLabel('Code').fill(totpCodeAt(secret, t.clock.now()));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(/\/admin\/profile\/two-factor$/);
    expect(await page.locator('main').textContent()).toContain('Unused recovery codes: 10.');
    await step(page, `profile-${size}-07-two-factor-on`);
    expect(errors).toEqual([]);
    await context.close();
  },
);
