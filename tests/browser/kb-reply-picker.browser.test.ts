import request from 'supertest';
import { insertKbCategory } from '../../src/kb/kb-categories.repo';
import { addKbArticle } from '../helpers/kb-fixtures';
import { adminCredentials, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { collectPageErrors, screenshot, signInAt, step, useServedApp, type ServedApp } from './browser';

/** Knowledge-base articles in the reply picker, and a draft article from the ticket, by keyboard. */

let served: ServedApp;
let t: InstalledApp;
let ticketId: number;
let toner: number;
useServedApp(async (s) => {
  served = s;
  t = s.t;
  const tracking = await openTicket(t, request.agent(t.app), {
    subject: 'Printer out of toner',
    name: 'Carla Customer',
  });
  ticketId = Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
  const help = await insertKbCategory(t.db, { parentId: null, name: 'Printing', position: 0, public: true }, 1);
  toner = await addKbArticle(t.db, help, {
    title: 'Replace the toner',
    slug: 'replace-the-toner',
    keywords: 'toner cartridge',
    body: '1. Open the **front** cover.\n2. Pull the cartridge.',
  });
  await addKbArticle(
    t.db,
    help,
    { title: 'Toner suppliers', slug: 'toner-suppliers', body: 'Call *Acme* first.' },
    [],
    'private',
  );
});

test.each([
  ['desktop', { width: 1440, height: 900 }, 'light'],
  ['phone', { width: 390, height: 844 }, 'dark'],
] as const)(
  'an article\u2019s link and text go into the reply at the cursor, by keyboard (%s, %s)',
  async (name, viewport, colorScheme) => {
    const context = await served.browser.newContext({ viewport, colorScheme });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInAt(page, `${served.server.base}/admin/tickets/${ticketId}`, adminCredentials);
    const reply = page.getByLabel('Reply', { exact: true });
    await reply.fill('Hello Carla,\n\nBest regards');
    const search = page.getByLabel('Insert a canned response or an article');
    await search.fill('toner');
    // Tab leaves the search for its Insert button; Enter searches (the typed reply comes back).
    await search.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('canned-insert');
    await page.keyboard.press('Enter');
    await page.locator('.kb-picker').waitFor();
    expect(await reply.inputValue()).toBe('Hello Carla,\n\nBest regards');
    expect(await page.locator('.kb-picker__item').count()).toBe(2);
    await step(page, `kb-reply-picker-${name}-01-matches`);

    // The cursor after "Hello Carla,\n\n": the link goes in there, without a reload.
    await reply.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(14, 14));
    await reply.focus();
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    const linkButton = page.getByRole('button', { name: 'Insert link: Replace the toner' });
    await linkButton.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() =>
      (document.getElementById('message') as HTMLTextAreaElement).value.includes('/helpdesk/kb/'),
    );
    const url = await t.services.settings.get('helpdesk.url');
    expect(await reply.inputValue()).toBe(
      `Hello Carla,\n\nReplace the toner: ${url}/helpdesk/kb/${toner}-replace-the-toner` + 'Best regards',
    );
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
    await page.waitForFunction(() => document.getElementById('canned-status')!.textContent !== '');

    // A pick closes the list, as for canned responses. A private article offers only its text
    // (customers could not open a link); Space works as well as Enter; with the cursor not yet
    // placed after the reload, the text goes at the end, a blank line apart.
    expect(await page.locator('.kb-picker').count()).toBe(0);
    await search.fill('suppliers');
    await page.getByRole('button', { name: 'Insert', exact: true }).press('Enter');
    await page.locator('.kb-picker').waitFor();
    expect(await page.getByRole('button', { name: 'Insert link: Toner suppliers' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Insert text: Toner suppliers' }).focus();
    await page.keyboard.press('Space');
    await page.waitForFunction(() =>
      (document.getElementById('message') as HTMLTextAreaElement).value.includes('Acme'),
    );
    expect(await reply.inputValue()).toBe(
      `Hello Carla,\n\nReplace the toner: ${url}/helpdesk/kb/${toner}-replace-the-toner` +
        'Best regards\n\nCall Acme first.',
    );
    await step(page, `kb-reply-picker-${name}-02-inserted`);
    expect(errors).toEqual([]);
    await context.close();
  },
);

test('"Create an article from this ticket" opens the editor with a draft', async () => {
  const context = await served.browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, `${served.server.base}/admin/tickets/${ticketId}`, adminCredentials);
  await page.getByRole('link', { name: 'Create an article from this ticket' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/admin\/kb\/articles\/new\?ticket=/);
  expect(await page.getByLabel('Title').inputValue()).toBe('Printer out of toner');
  expect(await page.locator('#kb-from-ticket').textContent()).toContain('Nothing is saved until you save.');
  await step(page, 'kb-reply-picker-03-draft');
  expect(errors).toEqual([]);
  await context.close();
});

test('without script, an article\u2019s text follows what was typed', async () => {
  const context = await served.browser.newContext({ viewport: { width: 1440, height: 900 }, javaScriptEnabled: false });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  await signInAt(page, `${served.server.base}/admin/tickets/${ticketId}`, adminCredentials);
  await page.getByLabel('Reply', { exact: true }).fill('Hi Carla,');
  await page.getByLabel('Insert a canned response or an article').fill('toner');
  await page.getByRole('button', { name: 'Insert', exact: true }).click();
  await page.waitForURL(/\/canned\?_csrf=/);
  await page.getByRole('button', { name: 'Insert text: Replace the toner' }).click();
  await page.waitForURL(/\/canned\?_csrf=/);
  expect(await page.getByLabel('Reply', { exact: true }).inputValue()).toBe(
    'Hi Carla,\n\n1. Open the front cover.\n2. Pull the cartridge.',
  );
  await screenshot(page, 'kb-reply-picker-noscript'); // axe needs script: screenshot only
  await context.close();
});
