import type { Browser } from 'playwright-core';
import { recordAudit } from '../../src/audit/audit.repo';
import { customerTicket } from '../helpers/api-client';
import { adminCredentials, staffCredentials, type InstalledApp } from '../helpers/installed-app';
import { collectPageErrors, signInAt, step, useServedApp, type ServedApp } from './browser';

let t: InstalledApp;
let server: ServedApp['server'];
let browser: Browser;

useServedApp(async (served) => {
  ({ t, server, browser } = served);
  const ada = await t.db('staff_users').where({ email: adminCredentials.email }).first('id', 'name');
  const sam = await t.db('staff_users').where({ email: staffCredentials.email }).first('id');
  const category = await t.db('categories').first('id');
  const ticket = await customerTicket(t);
  const actor = { id: Number(ada.id), name: ada.name as string };
  const now = t.clock.now();
  await recordAudit(
    t.db,
    {
      actor,
      action: 'settings.changed',
      target: { type: 'settings', id: 'sending' },
      details: {
        changes: {
          'mail.smtpHost': {
            before: '',
            after: 'a-very-long-host-name-without-any-break.mail.example-company-with-long-name.test',
          },
        },
      },
      ip: '2001:db8:85a3:0000:0000:8a2e:0370:7334',
    },
    now - 3000,
  );
  await recordAudit(
    t.db,
    {
      actor,
      action: 'staff.changed',
      target: { type: 'staff', id: Number(sam.id) },
      details: {
        before: { categoryIds: [], isAdmin: false },
        after: { categoryIds: [Number(category.id)], isAdmin: true },
      },
      ip: '127.0.0.1',
    },
    now - 2000,
  );
  await recordAudit(
    t.db,
    {
      actor,
      action: 'api_token.created',
      target: { type: 'api_token', id: 99 },
      details: { name: 'CRM <sync>', expiresAt: now + 90 * 86_400_000 },
      ip: '127.0.0.1',
    },
    now - 1000,
  );
  await recordAudit(
    t.db,
    {
      actor,
      action: 'ticket_follower_added',
      target: { type: 'ticket', id: ticket.id },
      details: { email: 'a.follower.with.a.long.address@example-customer.test' },
      ip: '127.0.0.1',
    },
    now,
  );
});

test.each([
  ['wide', { width: 1280, height: 900 }],
  ['phone', { width: 390, height: 844 }],
])('the audit log reads as cards without sideways scrolling (%s screen)', async (size, viewport) => {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, `${server.base}/admin/audit`, adminCredentials);
  const entries = page.locator('.audit-entry');
  expect(await entries.count()).toBeGreaterThanOrEqual(4); // ours, and what setting up the help desk recorded
  // What a reader sees before opening any entry's stored details.
  const list = await page.locator('.audit-list').evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement;
    for (const d of copy.querySelectorAll('details')) d.remove();
    return copy.textContent ?? '';
  });
  for (const text of ['Ticket follower added', 'CRM <sync>', 'Sam Staff', 'mail.smtpHost'])
    expect(list).toContain(text);
  expect(list).not.toMatch(/[{}]/);
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBe(0);
  // Each card fits the page's width.
  const widest = await entries.evaluateAll((els) => Math.max(...els.map((e) => e.getBoundingClientRect().right)));
  expect(widest).toBeLessThanOrEqual(viewport.width);
  await step(page, `audit-log-${size}`); // axe-core check and screenshot
  await page.locator('.audit-raw summary').first().click();
  expect(await page.locator('.audit-raw pre').first().isVisible()).toBe(true);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(
    0,
  );
  await step(page, `audit-log-${size}-raw`);
  expect(errors).toEqual([]);
  await context.close();
});
