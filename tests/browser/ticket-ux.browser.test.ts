import type { Page } from 'playwright-core';
import request from 'supertest';
import { adminCredentials, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { collectPageErrors, screenshot, signInAt, step, useServedApp, type ServedApp } from './browser';

/** The staff ticket page: canned responses inserted at the cursor, time as people type it, errors where they belong, disclosure markers. */

let served: ServedApp;
let t: InstalledApp;
let ticketId: number;
let trackingLabel: string;
useServedApp(async (s) => {
  served = s;
  t = s.t;
  const tracking = await openTicket(t, request.agent(t.app), {
    subject: 'Router keeps rebooting',
    name: 'Carla Customer',
  });
  trackingLabel = `${tracking.slice(0, 3)}-${tracking.slice(3, 6)}-${tracking.slice(6)}`;
  ticketId = Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
  const now = t.clock.now();
  await t.db('canned_responses').insert([
    {
      title: 'Restart advice',
      body: 'please restart the router ({{tracking_id}}).',
      folder: 'Network',
      owner_staff_id: null,
      created_at: now,
      updated_at: now,
    },
    {
      title: 'Cable check',
      body: 'Check the cable, {{customer_name}}.',
      folder: 'Network',
      owner_staff_id: null,
      created_at: now,
      updated_at: now,
    },
  ]);
});

const markerOf = (page: Page, selector: string) =>
  page
    .locator(selector)
    .first()
    .evaluate((el) => {
      const after = getComputedStyle(el, '::after');
      return {
        content: after.content,
        width: parseFloat(after.width),
        border: after.borderRightStyle,
        transform: after.transform,
      };
    });

test.each([
  ['desktop', { width: 1440, height: 900 }, 'light'],
  ['phone', { width: 390, height: 844 }, 'dark'],
] as const)(
  'canned response at the cursor without a reload, keeping the reply (%s, %s)',
  async (name, viewport, colorScheme) => {
    const context = await served.browser.newContext({ viewport, colorScheme });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    const url = `${served.server.base}/admin/tickets/${ticketId}`;
    await signInAt(page, url, adminCredentials);
    const reply = page.getByLabel('Reply', { exact: true });
    await reply.fill('Hello Carla,\n\nthanks.');
    // The cursor after "Hello Carla,\n\n": the response goes in there.
    await reply.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(14, 14));
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    await page.getByLabel('Insert a canned response').fill('Network / Restart advice');
    await page.getByRole('button', { name: 'Insert', exact: true }).click();
    await page.waitForFunction(() =>
      (document.getElementById('message') as HTMLTextAreaElement).value.includes('restart'),
    );
    expect(await reply.inputValue()).toBe(`Hello Carla,\n\nplease restart the router (${trackingLabel}).thanks.`);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1); // no reload
    await page.waitForFunction(
      () => document.getElementById('canned-status')!.textContent === 'The response was inserted into your reply.',
    );
    expect(await page.getByLabel('Insert a canned response').inputValue()).toBe('');

    // A search with several matches goes to the server: the reply comes back as typed; choosing a match adds it at the cursor.
    await page.getByLabel('Insert a canned response').fill('network');
    await page.getByRole('button', { name: 'Insert', exact: true }).click();
    await page.locator('.canned-matches').waitFor();
    expect(await reply.inputValue()).toBe(`Hello Carla,\n\nplease restart the router (${trackingLabel}).thanks.`);
    await reply.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(el.value.length, el.value.length));
    await reply.focus();
    await page.getByRole('button', { name: /Cable check/ }).click();
    await page.waitForFunction(() =>
      (document.getElementById('message') as HTMLTextAreaElement).value.includes('cable'),
    );
    expect(await reply.inputValue()).toBe(
      `Hello Carla,\n\nplease restart the router (${trackingLabel}).thanks.Check the cable, Carla Customer.`,
    );
    expect(await page.locator('.canned-matches').count()).toBe(0);
    await step(page, `ticket-ux-${name}-01-canned`);

    // The side panel's disclosures have a visible chevron, turned when open.
    const closed = await markerOf(page, '#time-box summary');
    expect(closed).toMatchObject({ border: 'solid' });
    expect(closed.width).toBeGreaterThan(3);
    await page.locator('#time-box summary').click();
    expect((await markerOf(page, '#time-box summary')).transform).not.toBe(closed.transform);
    expect((await markerOf(page, '.history > summary')).border).toBe('solid');

    // Time as people type it; a refused entry is summed up at the top of the main column, not in the reply card.
    await page.getByLabel('Duration').fill('1h 30m');
    await page.locator('#time-box').getByRole('button', { name: 'Log time' }).click();
    expect(await page.locator('#time-box').textContent()).toContain('1 h 30 min');
    await page.locator('#time-box summary').click();
    await page.getByLabel('Duration').fill('soon');
    await page.locator('#time-box').getByRole('button', { name: 'Log time' }).click();
    await page.locator('.side-errors .error-summary').waitFor();
    expect(await page.locator('#reply .error-summary').count()).toBe(0);
    expect(await page.locator('.side-errors .error-summary').textContent()).toContain(
      'Duration: Enter the time like 90 (minutes), 1h 30m, 1:30 or 45m.',
    );
    await step(page, `ticket-ux-${name}-02-side-error`);
    expect(errors).toEqual([]);
    await context.close();
  },
);

test('without script, "Insert" keeps what was typed and adds the response after a blank line', async () => {
  const context = await served.browser.newContext({ viewport: { width: 1440, height: 900 }, javaScriptEnabled: false });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const url = `${served.server.base}/admin/tickets/${ticketId}`;
  await signInAt(page, url, adminCredentials);
  await page.getByLabel('Reply', { exact: true }).fill('Hi Carla,');
  await page.getByLabel('Insert a canned response').fill('restart');
  await page.getByRole('button', { name: 'Insert', exact: true }).click();
  await page.waitForURL(/\/canned\?_csrf=/);
  expect(await page.getByLabel('Reply', { exact: true }).inputValue()).toBe(
    `Hi Carla,\n\nplease restart the router (${trackingLabel}).`,
  );
  await screenshot(page, 'ticket-ux-noscript-canned'); // axe needs script: screenshot only
  await context.close();
});
