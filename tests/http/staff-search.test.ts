import request from 'supertest';
import {
  adminCredentials,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { addStaffReply } from '../../src/tickets/tickets.service';
import { findTicketByTrackingId } from '../../src/tickets/tickets.repo';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const idsIn = (html: string) =>
  [...html.matchAll(/<td class="mono"><a href="\/admin\/tickets\/(\d+)"/g)].map((m) => Number(m[1]));

let admin: request.Agent;
const made: Record<string, { id: number; tracking: string }> = {};
beforeAll(async () => {
  const specs = [
    {
      key: 'firewall',
      subject: 'VPN drops every hour',
      message: 'The firewall resets the tunnel.',
      email: 'ops@alpha.example',
    },
    {
      key: 'keyring',
      subject: 'Keyring locked after update',
      message: 'Cannot unlock my keys.',
      email: 'dev@beta.example',
    },
    { key: 'plain', subject: 'Invoice copy', message: 'Please resend the invoice.', email: 'billing@gamma.example' },
  ];
  for (const s of specs) {
    const tracking = await openTicket(t, request.agent(t.app), {
      subject: s.subject,
      message: s.message,
      email: s.email,
    });
    made[s.key] = { id: Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id), tracking };
  }
  // A word only in a staff reply, on a closed ticket: search looks at every message and status.
  const plain = (await findTicketByTrackingId(t.db, made.plain!.tracking))!;
  await addStaffReply(t.services, plain, {
    staff: { id: 1, name: 'Ada Admin', isAdmin: true, capabilities: [] },
    body: 'Sent again via the postmaster.',
    files: [],
    statusKey: 'closed',
  });
  for (let i = 0; i < 7; i++)
    await openTicket(t, request.agent(t.app), {
      subject: `Bulk question ${i}`,
      message: `Routine widget inquiry number ${i}`,
      email: `bulk${i}@delta.example`,
    });
  admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
});

test('staff search finds words in messages and subjects, prefixes, tracking IDs and addresses', async () => {
  expect(idsIn((await admin.get('/admin/tickets?q=firewall').expect(200)).text)).toEqual([made.firewall!.id]);
  expect(idsIn((await admin.get('/admin/tickets?q=keyr').expect(200)).text)).toEqual([made.keyring!.id]);
  expect(idsIn((await admin.get('/admin/tickets?q=postmaster').expect(200)).text)).toEqual([made.plain!.id]);
  expect(idsIn((await admin.get('/admin/tickets?q=tunnel%20firewall').expect(200)).text)).toEqual([made.firewall!.id]);
  expect(idsIn((await admin.get('/admin/tickets?q=tunnel%20keyring').expect(200)).text)).toEqual([]);
  const t1 = made.keyring!.tracking;
  expect(
    idsIn((await admin.get(`/admin/tickets?q=${t1.slice(0, 3)}-${t1.slice(3, 6)}-${t1.slice(6)}`).expect(200)).text),
  ).toEqual([made.keyring!.id]);
  expect(idsIn((await admin.get('/admin/tickets?q=billing%40gamma.example').expect(200)).text)).toEqual([
    made.plain!.id,
  ]);
  expect(idsIn((await admin.get('/admin/tickets?q=ops%40').expect(200)).text)).toEqual([made.firewall!.id]);
  // Operators and quotes typed by a person are just text.
  await admin.get(`/admin/tickets?q=${encodeURIComponent('"firewall" OR * -+ \' ; --')}`).expect(200);
  await admin.get('/admin/tickets?q=%25_%25%40').expect(200);
});

test('search results page to the end and together are exactly the full result', async () => {
  const all = idsIn((await admin.get('/admin/tickets?q=widget&size=100').expect(200)).text);
  expect(all).toHaveLength(7);
  const paged: number[] = [];
  for (let page = 1; page <= 3; page++)
    paged.push(...idsIn((await admin.get(`/admin/tickets?q=widget&size=25&page=${page}`)).text));
  expect(paged.sort()).toEqual([...all].sort());
  const head = await admin.get('/admin/tickets?q=widget').expect(200);
  expect(head.text).toContain('7 tickets');
});

test('search never shows tickets of categories the person may not see', async () => {
  const sam = request.agent(t.app);
  expect((await signIn(sam, staffCredentials)).status).toBe(303);
  expect(idsIn((await sam.get('/admin/tickets?q=firewall').expect(200)).text)).toEqual([]);
  expect(idsIn((await sam.get(`/admin/tickets?q=${made.firewall!.tracking}`).expect(200)).text)).toEqual([]);
});

test('a typed word search opens newest first, the sort control says so, and "last updated" is one choice away', async () => {
  const bulk = (
    await t.db('tickets').where('subject', 'like', 'Bulk question %').orderBy('id', 'desc').pluck('id')
  ).map(Number);
  // The oldest of them updated last: "last updated" would put it first.
  await t
    .db('tickets')
    .where('id', bulk.at(-1))
    .update({ updated_at: Date.now() + 60_000 });
  const page = await admin.get('/admin/tickets?q=widget').expect(200);
  expect(idsIn(page.text)).toEqual(bulk);
  // The sort select shows "Created" chosen; its option sends no sort (the default), "Last updated" sends its own.
  expect(page.text).toMatch(/<option value="" selected>Created<\/option>/);
  expect(page.text).toContain('<option value="updated">');
  expect(idsIn((await admin.get('/admin/tickets?q=widget&sort=updated').expect(200)).text)[0]).toBe(bulk.at(-1));
  // The plain list keeps "last updated" as its default.
  expect((await admin.get('/admin/tickets').expect(200)).text).toMatch(
    /<option value="" selected>Last update<\/option>/,
  );
  // Every ticket was walked: the count is exact.
  const first = await admin.get('/admin/tickets?q=widget&size=25').expect(200);
  expect(first.text).toContain('7 tickets');
});
