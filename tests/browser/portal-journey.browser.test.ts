import type { Browser, BrowserContext } from 'playwright-core';
import { runDueJobs } from '../../src/jobs/job-runner';
import { addStaffReply } from '../../src/tickets/tickets.service';
import { findTicketByTrackingId } from '../../src/tickets/tickets.repo';
import { installedApp, type InstalledApp } from '../helpers/installed-app';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { collectPageErrors, launchBrowser, serve, step } from './browser';

let t: InstalledApp;
let sink: SmtpSink;
let server: Awaited<ReturnType<typeof serve>>;
let browser: Browser;

const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(200)]);

beforeAll(async () => {
  t = await installedApp();
  sink = await startSmtpSink();
  server = await serve(t.app);
  browser = await launchBrowser();
  await t.services.settings.save({
    'helpdesk.url': server.base,
    'mail.transport': 'smtp',
    'mail.smtpHost': '127.0.0.1',
    'mail.smtpPort': sink.port,
    'mail.smtpSecurity': 'none',
    'portal.serviceMessage': 'Our phone line is closed on Friday; tickets are answered as usual.',
  });
  const now = t.clock.now();
  await t.db('custom_fields').insert([
    {
      label: 'Product',
      type: 'select',
      options: JSON.stringify(['Printer', 'Scanner']),
      requirement: 'required',
      placement: 'before',
      visible_to_customer: true,
      all_categories: true,
      sort_order: 1,
      is_active: true,
      created_at: now,
      updated_at: now,
    },
    {
      label: 'Order number',
      type: 'text',
      requirement: 'optional',
      placement: 'after',
      visible_to_customer: true,
      all_categories: true,
      sort_order: 2,
      is_active: true,
      created_at: now,
      updated_at: now,
    },
  ]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await sink?.close();
  await t?.close();
});

async function fromMail(index: number, address: string): Promise<string> {
  await runDueJobs(t.services);
  const mails = await sink.waitFor(index + 1);
  const mail = mails.filter((m) => m.to.includes(address))[index]!;
  return /(http:\/\/127\.0\.0\.1:\d+\/helpdesk\/tickets\/[A-Z0-9]{10}\?k=[\w.-]+)/.exec(String(mail.parsed.text))![1]!;
}

test.each([
  ['phone', { width: 375, height: 740 }, 'phone.customer@example.net'],
  ['wide', { width: 1280, height: 900 }, 'wide.customer@example.net'],
])(
  'a customer opens a ticket with a file, gets the mail, follows the link and talks with the help desk (%s)',
  async (size, viewport, email) => {
    const context: BrowserContext = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors = collectPageErrors(page);

    await page.goto(`${server.base}/helpdesk`);
    expect(await page.locator('.banner').textContent()).toContain('phone line is closed');
    await step(page, `portal-${size}-01-home`);
    await page.getByRole('link', { name: 'Submit a ticket' }).first().click();
    await page.waitForURL('**/helpdesk/tickets/new');
    t.clock.advance(5000);
    await page.getByRole('button', { name: 'Submit ticket' }).click();
    await page.locator('.error-summary').waitFor();
    await step(page, `portal-${size}-02-form-errors`);

    await page.getByLabel('Your name').fill('Pat <Customer>');
    await page.getByLabel('Your e-mail address').fill(email);
    await page.getByLabel('Product').selectOption('Printer');
    await page.getByLabel('Subject').fill('Paper jam <b>again</b>');
    await page
      .getByLabel('Message')
      .fill(
        'The printer jams on every page.\nI tried twice: https://example.com/a/very/long/path/that/should/wrap/on/a/phone/screen/without/overflowing',
      );
    await page.getByLabel('Order number (optional)').fill('A-1042');
    await page.locator('#attachments').setInputFiles([{ name: 'jam photo.png', mimeType: 'image/png', buffer: png }]);
    await step(page, `portal-${size}-03-form-filled`);
    t.clock.advance(5000);
    await page.getByRole('button', { name: 'Submit ticket' }).click();

    await page.waitForURL('**/created');
    const tracking = (await page.locator('.tracking-id__value').textContent())!.trim();
    expect(tracking).toMatch(/^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{4}$/);
    await step(page, `portal-${size}-04-created`);

    // The confirmation arrives by e-mail; its link opens the ticket in a browser that has nothing.
    const link = await fromMail(0, email);
    const mailContext = await browser.newContext({ viewport });
    const mailPage = await mailContext.newPage();
    const mailErrors = collectPageErrors(mailPage);
    await mailPage.goto(link);
    expect(await mailPage.locator('h1').textContent()).toBe('Paper jam <b>again</b>');
    expect(await mailPage.locator('.attachment-list').textContent()).toContain('jam photo.png');
    expect(await mailPage.locator('.ticket-side').textContent()).toContain('Printer');
    const overflow = await mailPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await step(mailPage, `portal-${size}-05-ticket-from-mail`);

    await mailPage.getByLabel('Your reply').fill('Still jammed this morning.');
    await mailPage.getByRole('button', { name: 'Send reply' }).click();
    expect(await mailPage.locator('.alert--success').textContent()).toContain('Your reply has been sent.');

    // The help desk answers (the staff workspace is another page; here its service is called).
    const ticket = (await findTicketByTrackingId(t.db, tracking.replace(/-/g, '')))!;
    await addStaffReply(t.services, ticket, {
      staff: { id: 1, name: 'Ada Admin', isAdmin: true, capabilities: [] },
      body: 'Please open tray 2 and remove the torn sheet.',
      files: [],
    });
    const replyLink = await fromMail(1, email);
    await mailPage.goto(replyLink);
    expect(await mailPage.locator('.message--staff').textContent()).toContain('remove the torn sheet');
    await mailPage.getByRole('button', { name: 'Yes' }).click();
    expect(await mailPage.locator('.alert--success').textContent()).toContain('Thank you for your feedback.');
    expect(await mailPage.getByRole('button', { name: 'Yes' }).getAttribute('aria-pressed')).toBe('true');
    await step(mailPage, `portal-${size}-06-answered-rated`);

    await mailPage.getByRole('button', { name: 'Mark as resolved' }).click();
    expect(await mailPage.locator('.alert--success').textContent()).toContain('resolved');
    await step(mailPage, `portal-${size}-07-resolved`);
    await mailPage.getByRole('button', { name: 'Reopen ticket' }).click();
    expect(await mailPage.locator('.alert--success').textContent()).toContain('open again');
    await step(mailPage, `portal-${size}-08-reopened`);

    // The lookup form works as well, for someone who typed the ID from the mail.
    const other = await browser.newPage({ viewport });
    await other.goto(`${server.base}/helpdesk/tickets`);
    await other.getByLabel('Tracking ID').fill(tracking.toLowerCase());
    await other.getByLabel('E-mail address').fill(email.toUpperCase());
    await step(other, `portal-${size}-09-lookup`);
    await other.getByRole('button', { name: 'View ticket' }).click();
    await other.waitForURL(`**/helpdesk/tickets/${tracking.replace(/-/g, '')}`);
    await other.close();

    expect(errors).toEqual([]);
    expect(mailErrors).toEqual([]);
    await mailContext.close();
    await context.close();
  },
);
