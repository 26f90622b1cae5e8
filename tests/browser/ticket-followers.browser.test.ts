import { adminCredentials } from '../helpers/installed-app';
import { importMail, simpleMail } from '../helpers/mail-intake';
import { collectPageErrors, signInAt, step, useServedApp, type ServedApp } from './browser';

let s: ServedApp;
let ticketId: number;
useServedApp(async (served) => {
  s = served;
  await s.t.services.settings.save({ 'mail.ccFollowers': true });
  ticketId = (
    await importMail(
      s.t,
      simpleMail({
        from: 'Rita Reader <rita@example.org>',
        subject: 'Delivery address',
        headers: ['Cc: a-rather-long-address-of-the-finance-department@subsidiary.example.org'],
      }),
    )
  ).ticketId!;
});

test('the followers box: the Cc follower shown, one added with a typo refused then accepted, one removed; accessible at 1280 and 390 px', async () => {
  for (const viewport of [
    { width: 1280, height: 900 },
    { width: 390, height: 844 },
  ]) {
    const context = await s.browser.newContext({ viewport });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInAt(page, `${s.server.base}/admin/tickets/${ticketId}`, adminCredentials);
    const box = page.locator('#followers');
    await box.scrollIntoViewIfNeeded();
    expect(await box.textContent()).toContain('a-rather-long-address-of-the-finance-department@subsidiary.example.org');
    await step(page, `ticket-followers-${viewport.width}`);

    await page.getByLabel('Add a follower').fill('not-an-address');
    await box.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(/followererror=/);
    expect(await page.locator('#follower-email-error').textContent()).toContain('Enter an e-mail address');
    await step(page, `ticket-followers-error-${viewport.width}`);

    const added = `sam.${viewport.width}@example.org`;
    await page.getByLabel('Add a follower').fill(added);
    await page.locator('#followers').getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(new RegExp(`/admin/tickets/${ticketId}#followers$`));
    expect(await page.locator('#followers').textContent()).toContain(added);
    await page.getByRole('button', { name: `Remove follower ${added}` }).click();
    await page.waitForURL(new RegExp(`/admin/tickets/${ticketId}#followers$`));
    expect(await page.locator('#followers').textContent()).not.toContain(added);
    expect(errors).toEqual([]);
    await context.close();
  }
});
