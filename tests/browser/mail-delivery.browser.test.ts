import request from 'supertest';
import { deliverDueMail } from '../../src/jobs/mail-delivery';
import { addStaffReply } from '../../src/tickets/tickets.service';
import { findTicketByTrackingId } from '../../src/tickets/tickets.repo';
import { adminCredentials } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { collectPageErrors, signInAt, step, useServedApp, type ServedApp } from './browser';

let app: ServedApp;
let sink: SmtpSink;
let ticketId: number;
useServedApp(async (served) => {
  app = served;
  const { t } = served;
  sink = await startSmtpSink();
  const tracking = await openTicket(t, request.agent(t.app), { subject: 'Invoice PDF is empty' });
  await deliverDueMail(t.services); // the log transport: only written to the file
  await t.services.settings.save({
    'mail.transport': 'smtp',
    'mail.smtpHost': '127.0.0.1',
    'mail.smtpPort': sink.port,
    'mail.smtpSecurity': 'none',
  });
  const ada = { id: 1, name: 'Ada Admin', isAdmin: true, capabilities: [] };
  const reply = async (body: string) =>
    addStaffReply(t.services, (await findTicketByTrackingId(t.db, tracking))!, { staff: ada, body, files: [] });
  await reply('We are looking at the invoice generator.');
  await deliverDueMail(t.services);
  sink.refuseRecipients(() => ({ code: 550, message: '5.1.1 Mailbox unavailable' }));
  await reply('Here is the corrected invoice.');
  await deliverDueMail(t.services);
  sink.refuseRecipients(null);
  ticketId = Number((await findTicketByTrackingId(t.db, tracking))!.id);
});
afterAll(async () => sink?.close());

test('the ticket page says what became of each mail, and a failed one can be sent again', async () => {
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, `${app.server.base}/admin/tickets/${ticketId}`, adminCredentials);
  const states = page.locator('.mail-delivery__item');
  await expect(states.evaluateAll((items) => items.map((i) => i.getAttribute('data-mail-state')))).resolves.toEqual([
    'logged',
    'sent',
    'failed',
  ]);
  expect(await states.nth(0).textContent()).toContain('not sent. It was written to the mail log file');
  expect(await states.nth(2).textContent()).toContain('5.1.1 Mailbox unavailable');
  await page.locator('.mail-delivery--failed').scrollIntoViewIfNeeded();
  await step(page, 'mail-delivery-failed');

  await page.locator('.mail-delivery--failed').getByRole('button', { name: 'Send again' }).click();
  await page.waitForURL(/done=mailresent/);
  expect(await page.locator('.alert--success').first().textContent()).toContain(
    'The e-mail will be sent again in a moment.',
  );
  await expect(page.locator('.mail-delivery__item').nth(2).getAttribute('data-mail-state')).resolves.toBe('queued');
  await deliverDueMail(app.t.services);
  await page.reload();
  await expect(page.locator('.mail-delivery__item').nth(2).getAttribute('data-mail-state')).resolves.toBe('sent');
  await page.locator('.history summary').click();
  const history = await page.locator('.history__list').textContent();
  expect(history).toContain('E-mail not delivered');
  expect(history).toContain('E-mail sent again');
  await page.locator('.mail-delivery__item').nth(2).scrollIntoViewIfNeeded();
  await step(page, 'mail-delivery-resent');
  expect(errors).toEqual([]);
  await context.close();
});

test('the dashboard lists a failed customer mail with a link to its ticket', async () => {
  // Fail the reply again, as the delivery job would after its last attempt.
  const last = await app.t
    .db('mail_outbox')
    .where({ ticket_id: ticketId, template: 'staff_replied' })
    .max<{ id: number }[]>({ id: 'id' });
  await app.t.db('mail_outbox').where({ id: last[0]!.id }).update({ status: 'failed' });
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signInAt(page, `${app.server.base}/admin/login`, adminCredentials);
  const card = page.locator('.failed-mail');
  expect(await card.locator('h2').textContent()).toBe('E-mails not delivered');
  await card.getByRole('link', { name: /Invoice PDF is empty/ }).click();
  await page.waitForURL(`**/admin/tickets/${ticketId}`);
  await page.goBack();
  await step(page, 'dashboard-failed-mail');
  await context.close();
});

test('on a phone the delivery states of the replies stay readable, and a failed one can be sent again', async () => {
  // The dashboard test left the last reply failed, as the delivery job would after its last attempt.
  const context = await app.browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await signInAt(page, `${app.server.base}/admin/tickets/${ticketId}`, adminCredentials);
  const states = page.locator('.mail-delivery__item');
  await expect(states.evaluateAll((items) => items.map((i) => i.getAttribute('data-mail-state')))).resolves.toEqual([
    'logged',
    'sent',
    'failed',
  ]);
  const failed = page.locator('.mail-delivery--failed');
  await failed.scrollIntoViewIfNeeded();
  // Nothing of the delivery lines is wider than the phone: no sideways scrolling to read an error.
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
  const box = await failed.boundingBox();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(390);
  const button = await failed.getByRole('button', { name: 'Send again' }).boundingBox();
  expect(button!.height).toBeGreaterThanOrEqual(24); // a target a finger can hit
  await step(page, 'mail-delivery-phone');
  expect(errors).toEqual([]);
  await context.close();
});
