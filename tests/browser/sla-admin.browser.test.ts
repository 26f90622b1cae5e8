import type { Browser } from 'playwright-core';
import request from 'supertest';
import { adminCredentials, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { collectPageErrors, step, signInAt, useServedApp, type ServedApp } from './browser';

let t: InstalledApp;
let server: ServedApp['server'];
let browser: Browser;

useServedApp((served) => {
  ({ t, server, browser } = served);
});

test.each([
  ['wide', { width: 1280, height: 900 }],
  ['phone', { width: 390, height: 844 }],
])('an admin sets up business hours and an SLA policy (%s screen)', async (size, viewport) => {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, `${server.base}/admin/manage`, adminCredentials);
  await page.getByRole('link', { name: 'Service levels' }).click();
  await step(page, `sla-${size}-01-empty`);

  await page.getByRole('link', { name: 'Add a calendar' }).click();
  await page.fill('#name', `Office ${size}`);
  await page.selectOption('#time_zone', 'Europe/Bratislava');
  await page.fill('#mon', '09:00-12:00, 13:00-25:00');
  await page.getByRole('button', { name: 'Save' }).click();
  expect(await page.locator('.error-summary').textContent()).toContain('Enter times like 09:00-17:00');
  await step(page, `sla-${size}-02-calendar-error`);
  await page.fill('#mon', '09:00-12:00, 13:00-17:00');
  await page.fill('#holidays', '12-24\n12-25\n2027-04-06');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL('**/admin/sla?done=calendarSaved');

  await page.getByRole('link', { name: 'Add a policy' }).click();
  await page.fill('#name', `Urgent within an hour (${size})`);
  await page.getByRole('group', { name: 'Urgent' }).getByLabel('First response').fill('1');
  await step(page, `sla-${size}-03-policy-form`);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL('**/admin/sla?done=policySaved');
  const tables = await page.locator('main').textContent();
  expect(tables).toContain(`Office ${size}`);
  expect(tables).toContain('First response 1:00');
  await step(page, `sla-${size}-04-set-up`);
  expect(errors).toEqual([]);
  expect(
    await t
      .db('sla_policies')
      .where({ name: `Urgent within an hour (${size})` })
      .first('id'),
  ).toBeDefined();

  // An escalation level on the saved policy: warn the owner at 80 % of the first response.
  await page.getByRole('link', { name: `Urgent within an hour (${size})` }).click();
  await page.getByLabel('At % of the target used').fill('80');
  await page.getByRole('button', { name: 'Add a level' }).click();
  await page.waitForURL(/done=levelAdded/);
  expect(await page.locator('#escalations').textContent()).toContain('First response: at 80 %');
  await step(page, `sla-${size}-05-escalation`);
  await page.goto(`${server.base}/admin/sla/satisfaction`);
  await step(page, `sla-${size}-06-satisfaction`);

  // A ticket made urgent gets its clock: on its page, and in the list's SLA column, sortable.
  const tracking = await openTicket(t, request.agent(t.app), { subject: `Server down (${size})` });
  const id = Number((await t.db('tickets').where({ tracking_id: tracking }).first<{ id: number }>('id'))!.id);
  await page.goto(`${server.base}/admin/tickets/${id}`);
  await page.selectOption('#priority', 'urgent');
  await page
    .getByRole('complementary', { name: 'Ticket details' })
    .getByRole('button', { name: 'Save changes' })
    .click();
  await page.waitForURL(`**/admin/tickets/${id}**`);
  expect(await page.locator('#sla-box').textContent()).toContain('First response:');
  await step(page, `sla-${size}-05-ticket`);
  await page.goto(`${server.base}/admin/tickets?cols=tracking,subject,priority,sla&sort=sla&dir=asc`);
  expect(await page.locator('th[aria-sort="ascending"]').textContent()).toContain('SLA due');
  expect(await page.locator('table').textContent()).toContain(`Server down (${size})`);
  await step(page, `sla-${size}-06-list`);
  expect(errors).toEqual([]);
  await context.close();
});
