import request from 'supertest';
import { adminAreas } from '../../src/web/admin/admin-areas';
import { adminCredentials } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { collectPageErrors, signInAt, step, useServedApp, type ServedApp } from './browser';

let s: ServedApp;
let ticketId = 0;
useServedApp(async (served) => {
  s = served;
  const tracking = await openTicket(s.t, request.agent(s.t.app), { subject: 'Walk-through <b>ticket</b>' });
  ticketId = Number((await s.t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
});

/** Every staff and administration page a person can open from the menus, forms included. */
const pages = () => [
  '/admin',
  '/admin/tickets',
  '/admin/tickets/new',
  `/admin/tickets/${ticketId}`,
  `/admin/tickets/${ticketId}/print`,
  '/admin/canned',
  '/admin/manage',
  ...adminAreas.map((a) => a.href),
  '/admin/categories/new',
  '/admin/fields/new',
  '/admin/staff/new',
  '/admin/profile',
  '/admin/profile/two-factor',
];

test.each([
  ['wide', { width: 1280, height: 900 }],
  ['phone', { width: 390, height: 844 }],
])(
  'every staff and administration page opens, reads and passes the accessibility check (%s screen)',
  async (size, viewport) => {
    const context = await s.browser.newContext({ viewport });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInAt(page, `${s.server.base}/admin`, adminCredentials);
    for (const path of pages()) {
      const res = await page.goto(`${s.server.base}${path}`);
      expect([path, res?.status()]).toEqual([path, 200]);
      expect([path, await page.locator('h1').count()]).toEqual([path, 1]);
      await step(
        page,
        `walk-${size}-${
          path
            .replace(/^\/admin\/?/, '')
            .replace(/\//g, '-')
            .replace(/\d+/g, 'n') || 'dashboard'
        }`,
      );
    }
    expect(errors).toEqual([]);
    await context.close();
  },
);

test('on a phone the bar keeps Dashboard and Tickets; a menu holds the other links, the profile and signing out', async () => {
  const context = await s.browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signInAt(page, `${s.server.base}/admin`, adminCredentials);
  // Nothing sticks out sideways, and the wide screen's extra links are not in the bar.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  expect(await page.locator('.topbar__link--extra').first().isVisible()).toBe(false);
  const menu = page.locator('.topbar-more');
  await menu.locator('summary').click();
  await step(page, 'walk-phone-menu-open');
  await menu.getByRole('link', { name: 'Responses' }).click();
  await page.waitForURL(/\/admin\/canned$/);
  await menu.locator('summary').click();
  await menu.getByRole('link', { name: 'Administration' }).click();
  await page.waitForURL(/\/admin\/manage$/);
  await menu.locator('summary').click();
  await menu.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/admin\/login/);
  await context.close();
});
