import type { Page } from 'playwright-core';
import request from 'supertest';
import { signTicketLink } from '../../src/tickets/ticket-link';
import { adminAreas } from '../../src/web/admin/admin-areas';
import { adminCredentials } from '../helpers/installed-app';
import { adminAgent } from '../helpers/staff-admin';
import { seedSmallKb } from '../helpers/kb-fixtures';
import { openTicket } from '../helpers/portal';
import { expectAccessible, screenshot, screenshotDir, signInAt, useServedApp, type ServedApp } from './browser';

let s: ServedApp;
let ticketId = 0;
let tracking = '';
useServedApp(async (served) => {
  s = served;
  const agent = request.agent(s.t.app);
  tracking = await openTicket(s.t, agent, {
    subject: 'A rather long subject line that a customer typed about the printer on the second floor',
  });
  await openTicket(s.t, agent, { subject: 'Invoice question' });
  ticketId = Number((await s.t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
  await seedSmallKb(s.t.db);
});

/** Links a crawl does not follow: downloads, raw sources, JSON and printouts have no page grid. */
const notAPage = /\/(logout|raw|export)(\/|$)|\.(json|eml|xml|zip|gz)$|\/attachments\/|\/print$|\/files\/|\/preview$/;

/** One address per kind of page: numbers stand for any record, a template's name and language for any. */
const kindOf = (path: string) =>
  path.replace(/\/\d+(?=\/|$)/g, '/n').replace(/^\/admin\/templates\/[^/]+\/[^/]+/, '/admin/templates/t/l');

/**
 * Every staff page an administrator can reach: the menus' pages (the routes' list of areas and
 * the ticket pages) and whatever their main part links to, one page of each kind.
 */
async function staffPages(): Promise<string[]> {
  const agent = await adminAgent(s.t);
  const start = [
    '/admin',
    '/admin/tickets',
    '/admin/tickets/new',
    `/admin/tickets/${ticketId}`,
    '/admin/canned',
    '/admin/manage',
    ...adminAreas.map((a) => a.href),
    '/admin/profile',
    '/admin/profile/two-factor',
  ];
  const seen = new Map<string, string>();
  const queue = [...start];
  while (queue.length > 0 && seen.size < 150) {
    const path = queue.shift()!;
    if (seen.has(kindOf(path))) continue;
    const res = await agent.get(path);
    if (res.status !== 200 || !res.type.includes('html')) continue;
    seen.set(kindOf(path), path);
    const main = res.text.slice(res.text.indexOf('<main'));
    for (const [, link] of main.matchAll(/href="(\/admin\/[^"?#]*)/g))
      if (!notAPage.test(link!) && !seen.has(kindOf(link!))) queue.push(link!);
  }
  return [...seen.values()];
}

const overflow = (page: Page) => page.evaluate(() => document.scrollingElement!.scrollWidth - window.innerWidth);
const leftOf = (page: Page, selector: string) =>
  page
    .locator(selector)
    .first()
    .evaluate((el) => Math.round(el.getBoundingClientRect().left));
const shotName = (size: string, path: string) =>
  `grid-${size}-${
    path
      .replace(/^\/admin\/?/, '')
      .replace(/\//g, '-')
      .replace(/\d+/g, 'n') || 'dashboard'
  }`;

let pages: string[] = [];
/** The pages whose screenshots a person looks at after a change of the grid. */
const shown = [
  '/admin',
  '/admin/tickets/n',
  '/admin/staff',
  '/admin/staff/n',
  '/admin/customers',
  '/admin/roles',
  '/admin/bans',
  '/admin/api-tokens',
  '/admin/manage',
  '/admin/settings/general',
  '/admin/categories/n',
  '/admin/kb',
  '/admin/sla',
];

test('the crawl finds every kind of staff page the menus lead to', async () => {
  pages = await staffPages();
  const kinds = pages.map(kindOf);
  for (const expected of [
    '/admin/tickets/n',
    '/admin/settings/general',
    '/admin/kb',
    '/admin/sla',
    '/admin/mailboxes',
    '/admin/staff/n',
    '/admin/customers/n',
    '/admin/categories/n',
    '/admin/kb/articles/n',
  ])
    expect(kinds).toContain(expected);
});

test.each([
  ['wide', 1280],
  ['phone', 390],
])(
  'every staff page fits the screen, and its title lines up with the logo (%s)',
  async (size, width) => {
    const context = await s.browser.newContext({ viewport: { width, height: 844 } });
    const page = await context.newPage();
    await signInAt(page, `${s.server.base}/admin`, adminCredentials);
    const problems: string[] = [];
    for (const path of pages) {
      await page.goto(`${s.server.base}${path}`);
      const extra = await overflow(page);
      if (extra > 0) problems.push(`${path}: ${extra}px sideways`);
      if (width === 1280) {
        const [title, logo] = [await leftOf(page, 'main h1'), await leftOf(page, '.brand')];
        if (Math.abs(title - logo) > 1) problems.push(`${path}: title at x=${title}, logo at x=${logo}`);
      }
      if (shown.includes(kindOf(path))) await screenshot(page, shotName(size, path));
    }
    expect(problems).toEqual([]);
    await context.close();
  },
  600_000,
);

test('customer pages fit a 320 px phone, also while a staff member is signed in', async () => {
  const context = await s.browser.newContext({ viewport: { width: 320, height: 640 } });
  const page = await context.newPage();
  const customerPages = () => [
    '/helpdesk',
    '/helpdesk/tickets/new',
    '/helpdesk/tickets',
    '/helpdesk/kb',
    '/helpdesk/kb/reset-your-password',
    `/helpdesk/tickets/${tracking}?k=${signTicketLink(s.t.config.secrets.signing, tracking, s.t.clock.now() + 3600_000)}`,
  ];
  const problems: string[] = [];
  const visitAll = async (who: string) => {
    for (const path of customerPages()) {
      await page.goto(`${s.server.base}${path}`);
      const extra = await overflow(page);
      if (extra > 0) problems.push(`${who} ${path}: ${extra}px sideways`);
    }
  };
  await visitAll('customer');
  await signInAt(page, `${s.server.base}/admin/login`, adminCredentials);
  await visitAll('staff');
  await page.goto(`${s.server.base}/helpdesk`);
  await screenshot(page, 'grid-320-helpdesk-staff');
  expect(problems).toEqual([]);
  await context.close();
});

test('in Russian the staff top bar fits a 390 px phone', async () => {
  const context = await s.browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signInAt(page, `${s.server.base}/admin`, adminCredentials);
  await page.goto(`${s.server.base}/admin?lang=ru`);
  expect(await page.locator('html').getAttribute('lang')).toBe('ru');
  for (const path of ['/admin', '/admin/tickets', `/admin/tickets/${ticketId}`, '/admin/staff']) {
    await page.goto(`${s.server.base}${path}`);
    expect([path, await overflow(page)]).toEqual([path, 0]);
  }
  await screenshot(page, 'grid-phone-ru-staff');
  await context.close();
});

test('on a phone the ticket page puts its state and main actions above the conversation; they work without JavaScript', async () => {
  const context = await s.browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
  const page = await context.newPage();
  await signInAt(page, `${s.server.base}/admin/tickets/${ticketId}`, adminCredentials);
  const bar = page.getByRole('region', { name: 'Ticket actions' });
  const top = (selector: string) =>
    page
      .locator(selector)
      .first()
      .evaluate((el) => el.getBoundingClientRect().top);
  expect(await bar.isVisible()).toBe(true);
  expect(await top('.ticket-bar')).toBeLessThan(await top('.thread .message'));
  expect(await top('.ticket-bar')).toBeLessThan(await top('#reply'));
  // No axe here: it runs as a script, and this page has none (the checks below cover the phone ticket page).
  await page.screenshot({ path: `${screenshotDir}/grid-phone-ticket-bar.png` });
  // The side column keeps what the bar has not (Priority, Category and their Save), not a second Status, Owner or Take.
  const side = page.locator('.ticket-side');
  expect(await side.getByLabel('Priority').isVisible()).toBe(true);
  expect(await side.getByRole('button', { name: 'Save changes' }).isVisible()).toBe(true);
  expect(await side.getByLabel('Status', { exact: true }).isVisible()).toBe(false);
  expect(await side.getByLabel('Owner').isVisible()).toBe(false);
  expect(await side.getByRole('button', { name: 'Take this ticket', includeHidden: true }).count()).toBe(1);
  expect(await side.getByRole('button', { name: 'Take this ticket', includeHidden: true }).isVisible()).toBe(false);

  await bar.getByRole('button', { name: 'Take this ticket' }).click();
  await page.waitForURL(/done=taken/);
  expect(await bar.getByLabel('Owner').inputValue()).toBe(
    String((await s.t.db('staff_users').where({ email: adminCredentials.email }).first('id')).id),
  );
  await bar.getByRole('button', { name: 'Close ticket' }).click();
  await page.waitForURL(/done=saved/);
  expect((await s.t.db('tickets').where({ id: ticketId }).first('status_id')).status_id).toBe(
    (await s.t.db('statuses').where({ key: 'closed' }).first('id')).id,
  );
  expect(await bar.getByLabel('Status').inputValue()).toBe('closed');
  await context.close();
});

test('on a wide screen the ticket page keeps its side column and shows no second set of controls', async () => {
  const context = await s.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signInAt(page, `${s.server.base}/admin/tickets/${ticketId}`, adminCredentials);
  expect(await page.locator('.ticket-bar').isVisible()).toBe(false);
  expect(await page.locator('.ticket-side').isVisible()).toBe(true);
  for (const label of ['Status', 'Owner', 'Priority'])
    expect(await page.locator('.ticket-side').getByLabel(label, { exact: true }).isVisible()).toBe(true);
  await context.close();
});

test.each([
  ['wide', 1280],
  ['phone', 390],
])(
  'the pages this change touched pass the accessibility check (%s)',
  async (_size, width) => {
    const context = await s.browser.newContext({ viewport: { width, height: 844 } });
    const page = await context.newPage();
    await signInAt(page, `${s.server.base}/admin`, adminCredentials);
    const touched = [
      '/admin/manage',
      '/admin/staff',
      '/admin/roles',
      '/admin/bans',
      '/admin/api-tokens',
      '/admin/customers',
      '/admin/customers/1',
      '/admin/kb',
      '/admin/categories/new',
      '/admin/fields/new',
      '/admin/mailboxes/new',
      '/admin/sla/calendars/new',
      '/admin/sla/policies/new',
      '/admin/tickets/new',
      '/admin/settings/general',
      '/admin/templates',
      '/admin/staff/1/two-factor',
      `/admin/tickets/${ticketId}`,
    ];
    for (const path of touched) {
      await page.goto(`${s.server.base}${path}`);
      expect([path, await page.locator('.breadcrumbs').count()]).toEqual([path, 1]);
      await expectAccessible(page);
    }
    await context.close();
  },
  600_000,
);
