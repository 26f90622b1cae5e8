import { adminCredentials } from '../helpers/installed-app';
import { importMail, simpleMail } from '../helpers/mail-intake';
import { collectPageErrors, signInAt, step, useServedApp, type ServedApp } from './browser';

let app: ServedApp;
let ticketId: number;
let messageId: number;

/** A reply as a mail client writes it: HTML with the quoted history, a remote image, and the plain text twin. */
function htmlReply(logoUrl: string): Buffer {
  const html = [
    '<div dir="ltr"><p>Hello,</p><p>the invoice for <b>order 2026-17</b> still shows the wrong total. A screenshot:</p>',
    `<p><img src="${logoUrl}" alt="Screenshot of the invoice" width="64" height="64"></p>`,
    '<p>Thanks,<br>Greta</p></div>',
    '<div class="gmail_quote"><p>On Mon, 7 Dec 2026, Acme Support wrote:</p><blockquote><p>##- Please type your reply above this line -##</p><p>Could you send us the invoice number?</p></blockquote></div>',
    '<script>alert(1)</script>',
  ].join('\r\n');
  const text =
    'Hello,\r\n\r\nthe invoice for order 2026-17 still shows the wrong total.\r\n\r\nThanks,\r\nGreta\r\n\r\nOn Mon, 7 Dec 2026, Acme Support wrote:\r\n> ##- Please type your reply above this line -##\r\n> Could you send us the invoice number?\r\n';
  return Buffer.from(
    [
      'From: "Greta Gruber" <greta@example.org>',
      'To: help@example.com',
      'Subject: Invoice total is wrong',
      'Date: Mon, 07 Dec 2026 09:30:00 +0100',
      'Message-ID: <greta-1@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      text,
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      '',
      html,
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

useServedApp(async (served) => {
  app = served;
  const { t } = served;
  const created = await importMail(t, htmlReply(`${served.server.base}/static/img/logo.svg`));
  ticketId = created.ticketId!;
  messageId = Number(
    (await t.db('messages').where({ ticket_id: ticketId }).orderBy('id').first<{ id: number }>('id'))!.id,
  );
  t.clock.advance(60_000);
  await importMail(t, simpleMail({ from: 'undisclosed-recipients:;', subject: 'Re: your order <b>#2026-17</b>' }));
  t.clock.advance(60_000);
  await t.services.settings.save({ 'intake.maxMailMb': 1 });
  await importMail(
    t,
    simpleMail({
      from: 'Big Bertha <bertha.with.a.rather.long.address@scanner.example.org>',
      subject: 'Scanned contract (all 40 pages)',
      body: 'x'.repeat(1_100_000),
    }),
  );
  await t.services.settings.save({ 'intake.maxMailMb': 25 });
  await importMail(
    t,
    simpleMail({
      from: 'holiday@example.org',
      subject: 'Out of office until Monday',
      headers: ['Auto-Submitted: auto-replied'],
    }),
  );
});

for (const width of [1280, 390]) {
  test(`the failed-mail list, one mail, retry (${width} px)`, async () => {
    const context = await app.browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInAt(page, `${app.server.base}/admin`, adminCredentials);
    const card = page.locator('[data-inbound-failed]');
    if (width === 1280) {
      expect(await card.getAttribute('data-inbound-failed')).toBe('2');
      await card.scrollIntoViewIfNeeded();
      await step(page, `inbound-dashboard-${width}`);
    }
    await card.getByRole('link', { name: 'Open the list' }).click();
    await page.waitForURL('**/admin/mail/inbound');
    expect(await page.locator('tbody tr').count()).toBe(2);
    // The mail too big to read has no sender or subject yet; the older one could not be read at all.
    expect(await page.locator('tbody tr').first().textContent()).toContain('Too big to import');
    expect(await page.locator('tbody tr').nth(1).textContent()).toContain('Re: your order <b>#2026-17</b>');
    await step(page, `inbound-list-${width}`);

    await page.getByRole('link', { name: 'Refused' }).click();
    await page.waitForURL('**/admin/mail/inbound?status=refused');
    expect(await page.locator('tbody').textContent()).toContain('Automatic reply');
    await step(page, `inbound-refused-${width}`);

    await page.getByRole('link', { name: 'Kept aside' }).click();
    await page.getByRole('link', { name: 'Re: your order <b>#2026-17</b>' }).click();
    expect(await page.locator('h1').textContent()).toBe('Re: your order <b>#2026-17</b>');
    await step(page, `inbound-detail-${width}`);
    if (width === 390) {
      await page.goBack();
      await page.getByRole('link', { name: 'Scanned contract (all 40 pages)' }).click();
      expect(await page.locator('.mail-original').first().textContent()).toContain('Scanned contract (all 40 pages)');
      await page.getByRole('button', { name: 'Retry import' }).click();
      await page.waitForURL(/done=created/);
      expect(await page.locator('.alert--success').textContent()).toContain('The mail was imported as a new ticket.');
      await step(page, `inbound-retried-${width}`);
    }
    expect(errors).toEqual([]);
    await context.close();
  });
}

for (const width of [1280, 390]) {
  test(`"Show original" on the ticket page: sanitized HTML, remote images on request (${width} px)`, async () => {
    const context = await app.browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await signInAt(page, `${app.server.base}/admin/tickets/${ticketId}`, adminCredentials);
    await page.getByRole('link', { name: 'Show original' }).scrollIntoViewIfNeeded();
    await step(page, `ticket-show-original-${width}`);
    await page.getByRole('link', { name: 'Show original' }).click();
    await page.waitForURL(`**/admin/tickets/${ticketId}/messages/${messageId}/original`);
    const html = page.locator('.mail-original__html');
    expect(await html.locator('blockquote').textContent()).toContain('Could you send us the invoice number?');
    expect(await html.locator('img').count()).toBe(0);
    expect(await html.locator('[data-blocked-image]').textContent()).toBe('[Screenshot of the invoice]');
    expect(await page.locator('.mail-original__text').textContent()).toContain(
      '> Could you send us the invoice number?',
    );
    await step(page, `mail-original-${width}`);

    await page.getByRole('link', { name: 'Show remote images' }).click();
    await page.waitForURL(/images=remote/);
    await page.waitForFunction(() => {
      const img = document.querySelector('.mail-original__html img') as HTMLImageElement | null;
      return img?.complete && img.naturalWidth > 0;
    });
    await step(page, `mail-original-images-${width}`);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
}
