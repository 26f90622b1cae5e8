import request from 'supertest';
import { addStaffReply } from '../../src/tickets/tickets.service';
import { findTicketById } from '../../src/tickets/tickets.repo';
import { csrfFrom, installedApp, signIn, type InstalledApp } from '../helpers/installed-app';
import { fixtureMail, importMail, simpleMail } from '../helpers/mail-intake';
import { adminAgent, createRole, createStaffWithPassword } from '../helpers/staff-admin';
import { testDbKind } from '../helpers/test-db';

let t: InstalledApp;
let admin: request.Agent;
beforeAll(async () => {
  t = await installedApp();
  admin = await adminAgent(t);
});
afterAll(() => t.close());

/** A mail the import cannot use (no usable sender): kept aside with its raw bytes. */
async function keptAside(subject: string) {
  const result = await importMail(t, simpleMail({ from: 'not an address', subject }));
  expect(result.outcome).toBe('kept_aside');
  return result.inboundId!;
}

/** A mail over the size limit: kept aside, and importable on retry (a retry lifts the limit). */
async function tooBig(subject: string) {
  await t.services.settings.save({ 'intake.maxMailMb': 1 });
  const result = await importMail(
    t,
    simpleMail({ subject, from: 'Big Bertha <bertha@example.org>', body: 'x'.repeat(1_100_000) }),
  );
  await t.services.settings.save({ 'intake.maxMailMb': 25 });
  expect(result).toMatchObject({ outcome: 'kept_aside', reason: 'too_big' });
  return result.inboundId!;
}

const rowsOf = (html: string) => [...html.matchAll(/data-inbound-id="(\d+)"/g)].map((m) => Number(m[1]));

test(`the failed-mail list: newest first, paged by (received_at, id), reasons in words, hostile text escaped (${testDbKind})`, async () => {
  const ids: number[] = [];
  for (let i = 0; i < 53; i++) {
    if (i % 10 === 0) t.clock.advance(1000); // several mails share one received_at: the id breaks the tie
    ids.push(await keptAside(i === 52 ? '<script>alert("subj")</script>' : `Broken ${i}`));
  }
  const first = await admin.get('/admin/mail/inbound').expect(200);
  expect(rowsOf(first.text)).toEqual(ids.slice().reverse().slice(0, 50));
  expect(first.text).toContain('Could not be read as an e-mail');
  expect(first.text).toContain('&lt;script&gt;alert(&#34;subj&#34;)&lt;/script&gt;');
  expect(first.text).not.toContain('<script>alert("subj")');
  const older = /href="(\/admin\/mail\/inbound\?status=failed&amp;before=[\d.]+)"/
    .exec(first.text)![1]!
    .replace(/&amp;/g, '&');
  const second = await admin.get(older).expect(200);
  expect(rowsOf(second.text)).toEqual(ids.slice().reverse().slice(50));
  expect(second.text).not.toContain('Older mail');
  expect(first.text).toContain('Older mail');

  // Refused mail has its own list; bad queries are refused, not run.
  await importMail(
    t,
    simpleMail({ from: 'auto@example.org', subject: 'Out of office', headers: ['Auto-Submitted: auto-replied'] }),
  );
  const refused = await admin.get('/admin/mail/inbound?status=refused').expect(200);
  expect(refused.text).toContain('Automatic reply (out of office, auto-responder)');
  expect(refused.text).toContain('Out of office');
  await admin.get('/admin/mail/inbound?status=imported').expect(400);
  await admin.get('/admin/mail/inbound?status=failed&status=refused').expect(400);
  await admin.get('/admin/mail/inbound?before=1;drop').expect(400);
  await admin.get('/admin/mail/inbound?before=1.2&before=3.4').expect(400);

  // The dashboard counts them and links the list; the admin area lists it.
  const dashboard = await admin.get('/admin').expect(200);
  expect(dashboard.text).toContain('data-inbound-failed="53"');
  expect(dashboard.text).toContain('href="/admin/mail/inbound"');
  expect((await admin.get('/admin/manage').expect(200)).text).toContain('href="/admin/mail/inbound"');
  await t.db('inbound_mails').del();
});

test('open one, download the raw .eml, retry and discard (POST, CSRF, audited)', async () => {
  const big = await tooBig('Large scan');
  const broken = await keptAside('Cannot be read');
  const page = await admin.get(`/admin/mail/inbound/${big}`).expect(200);
  expect(page.text).toContain('Too big to import');
  expect(page.text).toContain('bertha@example.org');
  expect(page.text).toContain('Large scan');
  const token = csrfFrom(page.text);

  const raw = await admin.get(`/admin/mail/inbound/${big}/raw`).expect(200);
  expect(raw.headers['content-disposition']).toBe(`attachment; filename="inbound-mail-${big}.eml"`);
  expect(raw.headers['x-content-type-options']).toBe('nosniff');
  expect(raw.headers['content-type']).toMatch(/^message\/rfc822/);

  await admin.post(`/admin/mail/inbound/${big}/retry`).type('form').send({}).expect(403);
  await admin.post(`/admin/mail/inbound/${big}/discard`).type('form').send({}).expect(403);
  await admin.get(`/admin/mail/inbound/${big}/retry`).expect(404); // never on GET
  for (const bad of ['abc', '0', '99999999', '1e3']) {
    await admin.get(`/admin/mail/inbound/${bad}`).expect(404);
    await admin.post(`/admin/mail/inbound/${bad}/retry`).type('form').send({ _csrf: token }).expect(404);
  }

  const retried = await admin.post(`/admin/mail/inbound/${big}/retry`).type('form').send({ _csrf: token }).expect(303);
  expect(retried.headers.location).toMatch(/^\/admin\/mail\/inbound\?done=created&ticket=\d+$/);
  expect((await admin.get(retried.headers.location!)).text).toContain('The mail was imported as a new ticket.');
  expect(await t.db('inbound_mails').where({ id: big }).first('status')).toEqual({ status: 'imported' });
  // Imported now: no longer on the list, nothing to retry twice.
  await admin.get(`/admin/mail/inbound/${big}`).expect(404);
  await admin.post(`/admin/mail/inbound/${big}/retry`).type('form').send({ _csrf: token }).expect(404);

  await admin.post(`/admin/mail/inbound/${broken}/discard`).type('form').send({ _csrf: token }).expect(303);
  expect(await t.db('inbound_mails').where({ id: broken }).first('status', 'raw_key')).toEqual({
    status: 'discarded',
    raw_key: null,
  });
  await admin.post(`/admin/mail/inbound/${broken}/discard`).type('form').send({ _csrf: token }).expect(404);
  const audit = await t
    .db('audit_log')
    .whereIn('action', ['mail.inbound_retried', 'mail.inbound_discarded'])
    .orderBy('id')
    .select('action', 'target_id', 'staff_id');
  expect(audit).toEqual([
    { action: 'mail.inbound_retried', target_id: String(big), staff_id: 1 },
    { action: 'mail.inbound_discarded', target_id: String(broken), staff_id: 1 },
  ]);
});

test('only administrators: staff with every ticket capability get 403 on the list, its mails and its actions', async () => {
  const id = await keptAside('Staff may not see');
  const roleId = await createRole(t, admin, 'Worker', ['tickets.view', 'tickets.reply', 'settings.manage']);
  await createStaffWithPassword(t, admin, {
    name: 'Wes Worker',
    email: 'wes@example.com',
    password: 'a long enough passphrase 21',
    role: String(roleId),
    categories: ['1'],
  });
  const staff = request.agent(t.app);
  expect((await signIn(staff, { email: 'wes@example.com', password: 'a long enough passphrase 21' })).status).toBe(303);
  const token = csrfFrom((await staff.get('/admin/profile')).text);
  await staff.get('/admin/mail/inbound').expect(403);
  await staff.get(`/admin/mail/inbound/${id}`).expect(403);
  await staff.get(`/admin/mail/inbound/${id}/raw`).expect(403);
  await staff.post(`/admin/mail/inbound/${id}/discard`).type('form').send({ _csrf: token }).expect(403);
  expect((await staff.get('/admin').expect(200)).text).not.toContain('data-inbound-failed');
  expect(await t.db('inbound_mails').where({ id }).first('status')).toEqual({ status: 'failed' });
});

describe('the original e-mail of a message, from the ticket page', () => {
  test('HTML sanitized, scripts gone, remote images blocked until asked (CSP too), subject and sender escaped', async () => {
    const result = await importMail(t, fixtureMail('html-script.eml'));
    expect(result.outcome).toBe('created');
    const message = await t
      .db('messages')
      .where({ ticket_id: result.ticketId })
      .orderBy('id')
      .first<{ id: number }>('id');
    const ticketPage = await admin.get(`/admin/tickets/${result.ticketId}`).expect(200);
    const href = `/admin/tickets/${result.ticketId}/messages/${message!.id}/original`;
    expect(ticketPage.text).toContain(`href="${href}"`);

    const page = await admin.get(href).expect(200);
    expect(page.text).not.toMatch(/<script>alert|<script>document|<style>p/);
    expect(page.text).toContain('Hello <b>team</b>');
    expect(page.text).toContain('&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt; HTML only');
    expect(page.text).not.toContain('tracker.example/pixel.gif"');
    expect(page.text).toContain('data-remote-images="blocked"');
    expect(page.headers['content-security-policy']).toContain("img-src 'self' data:;");
    const shown = await admin.get(`${href}?images=remote`).expect(200);
    expect(shown.text).toContain('src="https://tracker.example/pixel.gif"');
    expect(shown.headers['content-security-policy']).toMatch(/img-src 'self' data: https: http:/);
    expect(shown.headers['content-security-policy']).toContain("script-src 'self'");

    const eml = await admin
      .get(`${href}.eml`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(eml.headers['content-disposition']).toMatch(/^attachment;/);
    expect(eml.headers['x-content-type-options']).toBe('nosniff');
    expect(eml.body.toString()).toContain('<html-15@example.org>');
  });

  test('the full text with its quoted history, a hostile sender name escaped', async () => {
    const body = 'Thanks, that worked.\n\nOn Mon, Support wrote:\n> Did you try turning it off?\n> <b>bold?</b>';
    const result = await importMail(
      t,
      simpleMail({ from: '"<img src=x onerror=alert(1)>" <eve@example.org>', subject: 'Quoted', body }),
    );
    const message = await t
      .db('messages')
      .where({ ticket_id: result.ticketId })
      .orderBy('id')
      .first<{ id: number }>('id');
    const page = await admin.get(`/admin/tickets/${result.ticketId}/messages/${message!.id}/original`).expect(200);
    expect(page.text).toContain('&gt; Did you try turning it off?');
    expect(page.text).toContain('&gt; &lt;b&gt;bold?&lt;/b&gt;');
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.text).not.toContain('<img src=x');
  });

  test("not found for other tickets' messages, messages without an original, bad ids, and staff who cannot see the ticket", async () => {
    const a = await importMail(t, simpleMail({ from: 'ann@example.org', subject: 'Ticket A' }));
    const b = await importMail(t, simpleMail({ from: 'ben@example.org', subject: 'Ticket B' }));
    const messageOf = async (ticketId: number | null) =>
      (await t.db('messages').where({ ticket_id: ticketId }).orderBy('id').first<{ id: number }>('id'))!.id;
    const ma = await messageOf(a.ticketId);
    await admin.get(`/admin/tickets/${a.ticketId}/messages/${ma}/original`).expect(200);
    await admin.get(`/admin/tickets/${b.ticketId}/messages/${ma}/original`).expect(404);
    await admin.get(`/admin/tickets/${b.ticketId}/messages/${ma}/original.eml`).expect(404);
    for (const bad of ['abc', '-1', '1.5', '99999999'])
      await admin.get(`/admin/tickets/${a.ticketId}/messages/${bad}/original`).expect(404);
    await admin.get(`/admin/tickets/x/messages/${ma}/original`).expect(404);
    // A staff reply has no original.
    await addStaffReply(t.services, (await findTicketById(t.db, a.ticketId!))!, {
      staff: { id: 1, name: 'Ada Admin', isAdmin: true, capabilities: [] },
      body: 'A staff answer',
      files: [],
    });
    const reply = await t.db('messages').where({ ticket_id: a.ticketId, kind: 'staff' }).first<{ id: number }>('id');
    await admin.get(`/admin/tickets/${a.ticketId}/messages/${reply!.id}/original`).expect(404);
    expect((await admin.get(`/admin/tickets/${a.ticketId}`)).text.match(/\/original"/g)).toHaveLength(1);

    const roleId = await createRole(t, admin, 'Elsewhere', ['tickets.view']);
    await createStaffWithPassword(t, admin, {
      name: 'Nora Nowhere',
      email: 'nora@example.com',
      password: 'a long enough passphrase 22',
      role: String(roleId),
      categories: [],
    });
    const outsider = request.agent(t.app);
    expect(
      (await signIn(outsider, { email: 'nora@example.com', password: 'a long enough passphrase 22' })).status,
    ).toBe(303);
    await outsider.get(`/admin/tickets/${a.ticketId}/messages/${ma}/original`).expect(404);
    await outsider.get(`/admin/tickets/${a.ticketId}/messages/${ma}/original.eml`).expect(404);
  });
});
