/**
 * Issue 13 "Done means", walked in Chromium as a new owner would: urgent tickets answered within
 * one business hour (Monday to Friday 9:00-17:00 in Bratislava), a warning to a named person at
 * half the time and an escalation (reassigned to a senior) at the breach. A ticket arrives on
 * Friday at 17:55; on Monday at 9:30 Sam is warned, at 10:00 the ticket is Ada's and breached, and
 * all of it is on the ticket page (clocks and history). The test clock moves time; the jobs run as
 * the web process's timer would run them.
 */
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { recordSlaBreaches } from '../../src/jobs/sla-breaches';
import { runSlaEscalations } from '../../src/jobs/sla-escalations';
import { adminCredentials, staffCredentials, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { collectPageErrors, step, signInAt, useServedApp, type ServedApp } from './browser';
import { utc, setClock as moveClock } from '../helpers/sla';

let t: InstalledApp;
let server: ServedApp['server'];
let browser: Browser;

useServedApp((served) => {
  ({ t, server, browser } = served);
});

const setClock = (at: number) => moveClock(t, at);
const runJobs = async () =>
  (await recordSlaBreaches({ db: t.db, clock: t.clock })) + (await runSlaEscalations(t.services));

/** Opens a staff page; after the test clock has jumped days the session has run out, so sign in again as a person would. */
async function openAsAda(page: Page, url: string): Promise<void> {
  await page.goto(url);
  if (new URL(page.url()).pathname === '/admin/login') {
    await page.fill('#email', adminCredentials.email);
    await page.fill('#password', adminCredentials.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(url);
  }
}

async function historyText(page: Page): Promise<string> {
  return (await page.locator('details.history').textContent())!.replace(/\s+/g, ' ');
}

test.each([
  ['wide', { width: 1280, height: 900 }],
  ['phone', { width: 390, height: 844 }],
])(
  'urgent answered within 1 business hour: Friday 17:55 → warned Monday 9:30, escalated at 10:00 (%s screen)',
  async (size, viewport) => {
    // Set up on the Wednesday before, each screen size its own week.
    const week = size === 'wide' ? 0 : 7;
    setClock(utc(2026, 12, 2 + week, 10));
    // The desk is in Bratislava (its times on every page), as is the calendar below.
    await t.services.settings.save({ 'helpdesk.timezone': 'Europe/Bratislava' });
    const context = await browser.newContext({ viewport, timezoneId: 'Europe/Bratislava' });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInAt(page, `${server.base}/admin/manage`, adminCredentials);
    await page.getByRole('link', { name: 'Service levels' }).click();

    await page.getByRole('link', { name: 'Add a calendar' }).click();
    await page.fill('#name', `Office hours ${size}`);
    await page.selectOption('#time_zone', 'Europe/Bratislava');
    for (const day of ['mon', 'tue', 'wed', 'thu', 'fri']) await page.fill(`#${day}`, '09:00-17:00');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/admin/sla?done=calendarSaved');

    const policyName = `Urgent within 1 business hour (${size})`;
    await page.getByRole('link', { name: 'Add a policy' }).click();
    await page.fill('#name', policyName);
    await page.getByRole('group', { name: 'Urgent' }).getByLabel('First response').fill('1');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/admin/sla?done=policySaved');

    // The ladder: warn Sam at half the hour, hand the ticket to Ada at the breach.
    const sam = Number(
      (await t.db('staff_users').where({ email: staffCredentials.email }).first<{ id: number }>('id'))!.id,
    );
    const ada = Number(
      (await t.db('staff_users').where({ email: adminCredentials.email }).first<{ id: number }>('id'))!.id,
    );
    await page.getByRole('link', { name: policyName }).click();
    const addLevel = async (percent: number, action: string, staffId: number) => {
      await page.selectOption('#level_kind', 'first');
      await page.getByLabel('At % of the target used').fill(String(percent));
      await page.selectOption('#level_action', action);
      await page.selectOption('#level_staff', String(staffId));
      await page.getByRole('button', { name: 'Add a level' }).click();
      await page.waitForURL(/done=levelAdded/);
    };
    await addLevel(50, 'notify_staff', sam);
    await addLevel(100, 'reassign', ada);
    const levels = (await page.locator('#escalations').textContent())!.replace(/\s+/g, ' ');
    expect(levels).toContain('First response: at 50 %');
    expect(levels).toContain('Sam Staff');
    expect(levels).toContain('Ada Admin');
    await step(page, `sla-done-${size}-01-levels`);

    // Friday 17:55 in Bratislava (16:55 UTC): a customer writes; staff mark it urgent at once.
    setClock(utc(2026, 12, 4 + week, 16, 55) - 5000);
    const tracking = await openTicket(t, request.agent(t.app), {
      subject: `Our shop is down (${size})`,
      email: `shop-${size}@example.net`,
    });
    const id = Number((await t.db('tickets').where({ tracking_id: tracking }).first<{ id: number }>('id'))!.id);
    await openAsAda(page, `${server.base}/admin/tickets/${id}`);
    await page.selectOption('#priority', 'urgent');
    await page
      .getByRole('complementary', { name: 'Ticket details' })
      .getByRole('button', { name: 'Save changes' })
      .click();
    await page.waitForURL(`**/admin/tickets/${id}**`);
    expect((await page.locator('#sla-box').textContent())!.replace(/\s+/g, ' ')).toContain('First response');
    await step(page, `sla-done-${size}-02-friday`);

    // The weekend passes; Monday 9:29 nothing yet, 9:30 Sam is warned.
    setClock(utc(2026, 12, 7 + week, 8, 29));
    await runJobs();
    expect(
      await t
        .db('mail_outbox')
        .where({ template: 'staff_sla_warning', to_address: staffCredentials.email })
        .where('body_text', 'like', `%/admin/tickets/${id}%`)
        .first('id'),
    ).toBeUndefined();
    setClock(utc(2026, 12, 7 + week, 8, 30));
    expect(await runJobs()).toBeGreaterThanOrEqual(1);
    expect(
      await t
        .db('mail_outbox')
        .where({ template: 'staff_sla_warning', to_address: staffCredentials.email })
        .where('body_text', 'like', `%/admin/tickets/${id}%`)
        .first('id'),
    ).toBeDefined();
    await openAsAda(page, `${server.base}/admin/tickets/${id}`);
    await page.locator('details.history summary').click();
    let text = await historyText(page);
    expect(text).toMatch(
      /9:30 AM · SLA escalation: First response: at 50 % — Notify a staff member: Sam Staff \(system\)/,
    );
    expect(text).not.toContain('breached');
    await step(page, `sla-done-${size}-03-warned`);

    // 10:00: the hour is used up: breached, and the ticket is Ada's.
    setClock(utc(2026, 12, 7 + week, 9, 0));
    expect(await runJobs()).toBeGreaterThanOrEqual(2);
    const owner = await t.db('tickets').where({ id }).first<{ owner_id: number }>('owner_id');
    expect(Number(owner!.owner_id)).toBe(ada);
    await openAsAda(page, `${server.base}/admin/tickets/${id}`);
    await page.locator('details.history summary').click();
    text = await historyText(page);
    expect((await page.locator('#sla-box').textContent())!.replace(/\s+/g, ' ')).toMatch(
      /First response: breached, due .*10:00/,
    );
    expect(text).toMatch(/10:00 AM · SLA target breached: First response/);
    expect(text).toMatch(
      /10:00 AM · SLA escalation: First response: at the breach — Reassign to: Ada Admin \(system\)/,
    );
    await step(page, `sla-done-${size}-04-escalated`);

    await openAsAda(page, `${server.base}/admin/sla/satisfaction`);
    await step(page, `sla-done-${size}-05-satisfaction`);
    expect(errors).toEqual([]);
    await context.close();
  },
);
