import type { Browser } from 'playwright-core';
import request from 'supertest';
import { adminCredentials, installedApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { linkFromMail } from '../helpers/staff-admin';
import { collectPageErrors, launchBrowser, serve, signInAt, signOut, step } from './browser';

let t: InstalledApp;
let server: Awaited<ReturnType<typeof serve>>;
let browser: Browser;
let ticketId: number;

beforeAll(async () => {
  t = await installedApp();
  server = await serve(t.app);
  browser = await launchBrowser();
  const tracking = await openTicket(t, request.agent(t.app), {
    email: 'olga@example.org',
    subject: 'Invoice looks wrong',
  });
  ticketId = Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t?.close();
});

test.each([
  ['wide', { width: 1280, height: 900 }],
  ['phone', { width: 390, height: 844 }],
])(
  'an admin invites a colleague, who sets a password; a role then hides what it does not allow (%s screen)',
  async (size, viewport) => {
    const colleague = {
      name: `Colin ${size}`,
      email: `colin-${size}@example.com`,
      password: `amber lighthouse ${size} 4821 quiet`,
    };
    const adminContext = await browser.newContext({ viewport });
    const admin = await adminContext.newPage();
    const adminErrors = collectPageErrors(admin);
    await signInAt(admin, `${server.base}/admin/staff`, adminCredentials);
    await step(admin, `staff-${size}-01-list`);

    // Invite: a mistake first, then the real thing.
    await admin.getByRole('link', { name: 'Add a staff member' }).click();
    await admin.fill('#name', colleague.name);
    await admin.fill('#email', 'not an address');
    await admin.getByRole('button', { name: 'Add staff member' }).click();
    expect(await admin.locator('.error-summary').textContent()).toContain('Enter an e-mail address');
    await step(admin, `staff-${size}-02-form-error`);
    await admin.fill('#email', colleague.email);
    // Mail only goes to a file here, so an invitation could not arrive: the form starts with a password, and says why.
    expect(await admin.locator('#method-password').isChecked()).toBe(true);
    expect(await admin.locator('#method-mail-off').textContent()).toContain('an invitation would not arrive');
    // Only the fields of the chosen way: no password with an invitation (issue 14 item 5).
    expect(await admin.locator('#password').isVisible()).toBe(true);
    await admin.locator('label[for=method]').click();
    expect(await admin.locator('#password').isVisible()).toBe(false);
    await admin.locator('label[for=method-password]').click();
    expect(await admin.locator('#password').isVisible()).toBe(true);
    await step(admin, `staff-${size}-02b-form-password-way`);
    await admin.fill('#password', 'typed then changed my mind 77');
    await admin.locator('label[for=method]').click();
    expect(await admin.locator('#password').isVisible()).toBe(false);
    // The categories start ticked, so the new colleague sees tickets.
    expect(await admin.locator('#categories').isChecked()).toBe(true);
    await step(admin, `staff-${size}-02c-form-invite-way`);
    await admin.getByRole('button', { name: 'Add staff member' }).click();
    await admin.waitForURL('**/admin/staff?done=invited');
    expect(await admin.locator('[data-staff-state="invited"]').first().textContent()).toBe('Invited');
    // Mail only goes to a file here: the notice says the invitation is only queued, the page says why.
    expect(await admin.locator('.alert[role="status"]').textContent()).toContain(
      'the invitation e-mail is only queued',
    );
    expect(await admin.locator('[data-mail-sending]').getByRole('link', { name: 'Set up sending' }).count()).toBe(1);
    await step(admin, `staff-${size}-03-invited`);
    await admin.goto(`${server.base}/admin`);
    expect(await admin.locator('[data-mail-sending="file"]').textContent()).toContain(
      'only writes mail to a file on the server',
    );
    await step(admin, `staff-${size}-03b-dashboard-mail-notice`);

    // The colleague opens the link from the mail in their own browser.
    const link = await linkFromMail(t, 'staff_invite', colleague.email);
    const colleagueContext = await browser.newContext({ viewport });
    const page = await colleagueContext.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${server.base}${link}`);
    await step(page, `staff-${size}-04-invitation`);
    await page.fill('#name', colleague.name);
    await page.fill('#password', colleague.password);
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.waitForURL('**/admin/password-set?for=invite');
    await step(page, `staff-${size}-05-account-ready`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.fill('#email', colleague.email);
    await page.fill('#password', colleague.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/admin');
    await page.goto(`${server.base}/admin/tickets/${ticketId}`);
    expect(await page.locator(`form[action="/admin/tickets/${ticketId}/merge"]`).count()).toBe(1);

    // A role that may only view and reply; the colleague gets it.
    await admin.goto(`${server.base}/admin/roles`);
    await admin.fill('#name', `Answerers ${size}`);
    await admin.getByRole('button', { name: 'Save role' }).click();
    await admin.waitForURL('**/admin/roles?done=saved');
    await step(admin, `roles-${size}-01-saved`);
    await admin.goto(`${server.base}/admin/staff`);
    await admin.getByRole('link', { name: `Edit ${colleague.name}` }).click();
    await admin.selectOption('#role', { label: `Answerers ${size}` });
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await admin.waitForURL('**?done=saved');
    await step(admin, `staff-${size}-06-edited`);

    // The next page the colleague opens follows the new role: no merge, no reassigning.
    await page.goto(`${server.base}/admin/tickets/${ticketId}`);
    expect(await page.locator(`form[action="/admin/tickets/${ticketId}/merge"]`).count()).toBe(0);
    expect(await page.locator('#owner').count()).toBe(0);
    expect(await page.locator(`form[action="/admin/tickets/${ticketId}/delete"]`).count()).toBe(0);
    // Replying is part of the role: the reply box stays.
    expect(await page.locator('#message').count()).toBe(1);
    await step(page, `staff-${size}-07-colleague-ticket`);

    // Signed out, the colleague asks for a new password; a used invitation link says it is spent.
    await signOut(page);
    await page.waitForURL('**/admin/login**');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.fill('#email', colleague.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    expect(await page.locator('.alert--success').textContent()).toContain(
      'a link to choose a new password is queued for it',
    );
    await step(page, `staff-${size}-08-forgot-sent`);
    await page.goto(`${server.base}${link}`);
    expect(await page.locator('h1').textContent()).toBe('This link does not work');
    await step(page, `staff-${size}-09-link-spent`);

    expect(errors).toEqual([]);
    expect(adminErrors).toEqual([]);
    await colleagueContext.close();
    await adminContext.close();
    // Two browsers, a dozen screenshots and accessibility checks: room for a machine under heavy load.
  },
  300_000,
);
