import zlib from 'node:zlib';
import request from 'supertest';
import { seedSmallKb } from '../helpers/kb-fixtures';
import { adminCredentials } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { collectPageErrors, firstKbSuggestion, signInAt, step, useServedApp, type ServedApp } from './browser';

/**
 * Issue 12's "done means", tried as people would: a customer types their problem into the ticket
 * form, sees the article that answers it, reads it and leaves without opening a ticket; the owner
 * sees that on /admin/kb. Then the editor's tools: a draft from a ticket, an image in an article.
 */

let s: ServedApp;
let kb: Awaited<ReturnType<typeof seedSmallKb>>;
let ticketId: number;
useServedApp(async (served) => {
  s = served;
  kb = await seedSmallKb(s.t.db);
  const tracking = await openTicket(s.t, request.agent(s.t.app), {
    subject: 'Cannot sign in after password change',
    name: 'Carla Customer',
    message: 'I changed my password yesterday and now the sign in page says it is wrong.',
  });
  ticketId = Number((await s.t.db('tickets').where({ tracking_id: tracking }).first('id')).id);
});

/** A small real PNG (a blue rectangle): what a screenshot pasted into an article would be. */
function pngImage(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([
    Buffer.from([0]),
    Buffer.concat(Array.from({ length: width }, () => Buffer.from([37, 99, 235]))),
  ]);
  const pixels = zlib.deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

test.each([
  ['wide', { width: 1280, height: 900 }, 1],
  ['phone', { width: 390, height: 844 }, 2],
] as const)(
  'a customer finds the answer while writing a ticket and leaves; the owner sees the deflection (%s)',
  async (size, viewport, visitorsSoFar) => {
    const customer = await s.browser.newContext({ viewport });
    const page = await customer.newPage();
    const errors = collectPageErrors(page);
    const suggestion = await firstKbSuggestion(page, s.server.base, 'I forgot my password');
    expect(await suggestion.textContent()).toBe('Reset your password');
    await step(page, `kb-done-${size}-01-suggestion`);
    const [article] = await Promise.all([customer.waitForEvent('page'), suggestion.click()]);
    await article.waitForLoadState();
    expect(await article.locator('h1').textContent()).toBe('Reset your password');
    await step(article, `kb-done-${size}-02-article`);
    await article.getByRole('button', { name: 'Yes' }).click();
    await article.waitForURL('**?voted=thanks#vote');
    // The customer closes both tabs: no ticket.
    await customer.close();
    expect(errors).toEqual([]);

    const owner = await s.browser.newContext({ viewport });
    const admin = await owner.newPage();
    const adminErrors = collectPageErrors(admin);
    await signInAt(admin, `${s.server.base}/admin/kb?days=7`, adminCredentials);
    expect(await admin.locator('#kb-deflection').textContent()).toBe(
      `${visitorsSoFar} of ${visitorsSoFar} visitors shown suggestions opened one and did not submit a ticket`,
    );
    expect(Number(await admin.locator('#kb-views-period').textContent())).toBe(visitorsSoFar);
    expect(await admin.locator('#kb-votes-period').textContent()).toBe(`${visitorsSoFar} of ${visitorsSoFar}`);
    await step(admin, `kb-done-${size}-03-owner-numbers`);
    expect(adminErrors).toEqual([]);
    await owner.close();
  },
);

test.each([
  ['wide', { width: 1280, height: 900 }],
  ['phone', { width: 390, height: 844 }],
] as const)(
  'an editor drafts an article from a ticket, then adds a picture to an article and sees it in the preview (%s)',
  async (size, viewport) => {
    const context = await s.browser.newContext({ viewport });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInAt(page, `${s.server.base}/admin/tickets/${ticketId}`, adminCredentials);
    await page.getByRole('link', { name: 'Create an article from this ticket' }).click();
    await page.waitForURL(`**/admin/kb/articles/new?ticket=${ticketId}`);
    expect(await page.getByLabel('Title').inputValue()).toBe('Cannot sign in after password change');
    expect(await page.locator('#kb-files').textContent()).toContain('Save the article first');
    await step(page, `kb-done-${size}-04-from-ticket`);

    await page.goto(`${s.server.base}/admin/kb/articles/${kb.articles.reset}`);
    await page
      .getByLabel('Attachments')
      .setInputFiles({ name: `sign-in-${size}.png`, mimeType: 'image/png', buffer: pngImage(240, 120) });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.waitForURL(/done=files#kb-files$/);
    const thumb = page.locator('.kb-files__thumb').first();
    await thumb.waitFor();
    expect(await thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(240);
    await step(page, `kb-done-${size}-05-files`);

    // "Insert image" puts the Markdown at the cursor; the preview shows the picture as customers will.
    const body = page.getByLabel('Text');
    await body.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(el.value.length, el.value.length));
    await page.getByRole('button', { name: 'Insert image' }).last().click();
    expect(await body.inputValue()).toMatch(
      new RegExp(`!\\[sign-in-${size}\\]\\(/helpdesk/kb/${kb.articles.reset}/files/\\d+\\)$`),
    );
    await page.getByRole('button', { name: 'Preview' }).click();
    const shown = page.locator('.kb-article__body img').last();
    await shown.waitFor();
    expect(await shown.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(240);
    await step(page, `kb-done-${size}-06-preview`);
    expect(errors).toEqual([]);
    await context.close();
  },
);
