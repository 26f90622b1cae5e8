import crypto from 'node:crypto';
import { keepRaw } from '../../src/mail-intake/raw-store';
import request from 'supertest';
import { insertCategory } from '../../src/categories/categories.repo';
import { insertCanned } from '../../src/canned/canned.repo';
import { insertReturningId } from '../../src/db/insert';
import { insertKbCategory } from '../../src/kb/kb-categories.repo';
import { addKbArticle } from '../helpers/kb-fixtures';
import { capabilities } from '../../src/staff/capabilities';
import { ticketPageRoutes } from '../../src/web/admin/ticket.routes';
import { ticketListRoutes } from '../../src/web/admin/tickets.routes';
import { routesOf } from '../helpers/api-routes';
import {
  adminCredentials,
  csrfFrom,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { submitForm, validTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

let sam: request.Agent;
let token: string;
let samCategory: number;
let counter = 0;
let cannedId: number;
let kbArticleId: number;

type Made = { id: number; tracking: string; attachmentId: number };

/** A ticket with one file, opened through the customer form in the given category. */
async function ticketIn(category: number): Promise<Made> {
  await t.db('rate_limits').del();
  counter++;
  const res = await submitForm(
    t,
    request.agent(t.app),
    { ...validTicket, email: `matrix${counter}@example.net`, category: String(category), subject: `Matrix ${counter}` },
    [{ name: 'log.txt', content: 'log\n' }],
  );
  if (res.status !== 303) throw new Error(`ticket not created: ${res.status}`);
  const tracking = /\/helpdesk\/tickets\/([A-Z0-9]{10})\/created/.exec(res.headers.location!)![1]!;
  const row = await t.db('tickets').where({ tracking_id: tracking }).first('id');
  const file = await t.db('attachments').where({ ticket_id: row.id }).first('id');
  return { id: Number(row.id), tracking, attachmentId: Number(file.id) };
}

/** The ticket's newest message as if it came by e-mail: its raw mail kept, so "Show original" opens. */
async function originalPath(m: Made, suffix: string): Promise<string> {
  const messageId = await newestMessage(m.id);
  const rawKey = await keepRaw(
    t.services.store,
    Buffer.from('From: Carla <carla@example.net>\r\nSubject: By mail\r\nMessage-ID: <m@example.net>\r\n\r\nHello\r\n'),
  );
  const now = t.clock.now();
  await t.db('inbound_mails').insert({
    dedupe_key: crypto.randomBytes(32).toString('hex'),
    source: 'pipe',
    status: 'imported',
    ticket_id: m.id,
    message_id: Number(messageId),
    raw_key: rawKey,
    raw_size: 60,
    received_at: now,
    updated_at: now,
  });
  return `/admin/tickets/${m.id}/messages/${messageId}/original${suffix}`;
}

const newestMessage = async (id: number) =>
  String((await t.db('messages').where({ ticket_id: id }).max<{ m: number }[]>({ m: 'id' }))[0]!.m);

/**
 * Every staff page route of one ticket, with a request that succeeds on a ticket the person may
 * work; `path` and `body` may set up what the request needs first.
 */
function matrix(): Record<
  string,
  { body?: (target: Made) => Promise<Record<string, string>>; path?: (target: Made) => Promise<string> }
> {
  const form = (body: Record<string, string>) => async () => body;
  return {
    'GET /tickets/{id}': {},
    'GET /tickets/{id}/attachments/{attachmentId}': {
      path: async (m) => `/admin/tickets/${m.id}/attachments/${m.attachmentId}`,
    },
    'GET /tickets/{id}/canned/{cannedId}.json': { path: async (m) => `/admin/tickets/${m.id}/canned/${cannedId}.json` },
    'GET /tickets/{id}/canned/kb/{articleId}.json': {
      path: async (m) => `/admin/tickets/${m.id}/canned/kb/${kbArticleId}.json?as=text`,
    },
    'GET /tickets/{id}/messages/{messageId}/original': { path: (m) => originalPath(m, '') },
    'GET /tickets/{id}/messages/{messageId}/original.eml': { path: (m) => originalPath(m, '.eml') },
    'GET /tickets/{id}/presence': {},
    'GET /tickets/{id}/print': {},
    'POST /tickets/{id}/canned': { body: form({ message: 'Typed first', canned: String(cannedId) }) },
    'POST /tickets/{id}/delete': { body: form({ confirm: 'yes' }) },
    'POST /tickets/{id}/draft': { body: form({ message: 'Draft text' }) },
    'POST /tickets/{id}/due': { body: form({ due: '2031-05-06T10:00' }) },
    'POST /tickets/{id}/escalate': { body: form({ reason: 'Needs tier 2' }) },
    'POST /tickets/{id}/fields': { body: form({}) },
    'POST /tickets/{id}/followers': { body: form({ email: 'matrix-follower@example.org' }) },
    'POST /tickets/{id}/followers/remove': {
      body: async (m) => {
        // A follower on the ticket first (written directly: on the hidden ticket Sam may not add one).
        const [row] = await t
          .db('ticket_followers')
          .insert(
            { ticket_id: m.id, email: `f${m.id}@example.org`, added_by_staff_id: null, created_at: t.clock.now() },
            ['id'],
          );
        const id = typeof row === 'object' ? (row as { id: number }).id : row;
        return { follower: String(id) };
      },
    },
    'POST /tickets/{id}/links': { body: async () => ({ link: (await ticketIn(samCategory)).tracking }) },
    'POST /tickets/{id}/links/{otherId}/delete': {
      path: async (m) => {
        const other = await ticketIn(samCategory);
        // Linked first where Sam may (on the hidden ticket this is refused, and so is the unlink).
        await sam.post(`/admin/tickets/${m.id}/links`).type('form').send({ _csrf: token, link: other.tracking });
        return `/admin/tickets/${m.id}/links/${other.id}/delete`;
      },
    },
    'POST /tickets/{id}/mail/{mailId}/resend': {
      path: async (m) => {
        // The ticket's confirmation mail, given up (as after its last attempt).
        const mail = (await t
          .db('mail_outbox')
          .where({ ticket_id: m.id, template: 'ticket_received' })
          .first<{ id: number }>('id'))!;
        await t.db('mail_outbox').where({ id: mail.id }).update({ status: 'failed' });
        return `/admin/tickets/${m.id}/mail/${mail.id}/resend`;
      },
    },
    'POST /tickets/{id}/merge': {
      body: async () => ({ target: (await ticketIn(samCategory)).tracking, confirm: 'yes' }),
    },
    'POST /tickets/{id}/note': { body: form({ message: 'A note' }) },
    'POST /tickets/{id}/presence': { body: form({ state: 'viewing' }) },
    'POST /tickets/{id}/properties': { body: form({ status: 'closed' }) },
    'POST /tickets/{id}/reply': { body: async (m) => ({ message: 'A reply', seen: await newestMessage(m.id) }) },
    'POST /tickets/{id}/tags': { body: form({ tags: 'matrix' }) },
    'POST /tickets/{id}/tags/remove': { body: form({ tag: 'matrix' }) },
    'POST /tickets/{id}/take': { body: form({}) },
    'POST /tickets/{id}/time': { body: form({ minutes: '5' }) },
  };
}

beforeAll(async () => {
  const now = t.clock.now();
  const tier2 = await insertCategory(
    t.db,
    { name: 'Matrix tier 2', description: null, tier: 2, is_public: true, default_priority_id: null, sort_order: 9 },
    now,
  );
  samCategory = await insertCategory(
    t.db,
    { name: 'Matrix desk', description: null, tier: 1, is_public: true, default_priority_id: null, sort_order: 8 },
    now,
  );
  await t.db('categories').whereIn('id', [samCategory, 1]).update({ escalate_to_id: tier2 });
  cannedId = await insertCanned(
    t.db,
    { title: 'Matrix greeting', body: 'Hello {{customer_name}}', folder: null, ownerStaffId: null },
    now,
  );
  kbArticleId = await addKbArticle(
    t.db,
    await insertKbCategory(t.db, { parentId: null, name: 'Matrix', position: 0, public: true }, now),
    { title: 'Matrix article', slug: 'matrix', body: 'Text.' },
  );
  const samId = (await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id;
  await t.db('staff_categories').insert({ staff_id: samId, category_id: samCategory });
  // Every capability, so what decides below is category access alone.
  const role = await insertReturningId(t.db, 'roles', {
    name: 'Everything',
    capabilities: JSON.stringify(capabilities),
    created_at: now,
    updated_at: now,
  });
  await t.db('staff_users').where({ id: samId }).update({ role_id: role });
  sam = request.agent(t.app);
  expect((await signIn(sam, staffCredentials)).status).toBe(303);
  token = csrfFrom((await sam.get('/admin/tickets').expect(200)).text);
});

test('A/B: every staff page route of a ticket answers 404 for a category out of reach, and works for one in reach', async () => {
  const routes = [...routesOf(ticketListRoutes(t.services)), ...routesOf(ticketPageRoutes(t.services))].filter((r) =>
    r.includes('/tickets/{id}'),
  );
  const table = matrix();
  // A new ticket route must be added here, so it cannot skip the check.
  expect(Object.keys(table).sort()).toEqual(routes.sort());

  const hidden = await ticketIn(1);
  const before = {
    messages: await t.db('messages').where({ ticket_id: hidden.id }).count<{ n: number }[]>({ n: '*' }),
    events: await t.db('ticket_events').where({ ticket_id: hidden.id }).count<{ n: number }[]>({ n: '*' }),
    ticket: await t.db('tickets').where({ id: hidden.id }).first(),
  };
  const send = async (route: string, target: Made) => {
    const [method] = route.split(' ') as [string, string];
    const spec = table[route]!;
    const path = spec.path
      ? await spec.path(target)
      : `/admin${route.split(' ')[1]!.replace('{id}', String(target.id))}`;
    if (method === 'GET') return sam.get(path);
    return sam
      .post(path)
      .type('form')
      .send({ _csrf: token, ...(spec.body ? await spec.body(target) : {}) });
  };

  for (const route of Object.keys(table)) {
    const b = await send(route, hidden);
    expect([route, b.status]).toEqual([route, 404]);
    const a = await send(route, await ticketIn(samCategory));
    expect([route, a.status < 400]).toEqual([route, true]);
  }

  // Nothing about the hidden ticket changed, and it never shows in Sam's list or search.
  expect(await t.db('messages').where({ ticket_id: hidden.id }).count<{ n: number }[]>({ n: '*' })).toEqual(
    before.messages,
  );
  expect(await t.db('ticket_events').where({ ticket_id: hidden.id }).count<{ n: number }[]>({ n: '*' })).toEqual(
    before.events,
  );
  expect(await t.db('tickets').where({ id: hidden.id }).first()).toEqual(before.ticket);
  expect(await t.db('ticket_time_entries').where({ ticket_id: hidden.id }).first()).toBeUndefined();
  const list = (await sam.get('/admin/tickets?status=new&status=open&status=closed').expect(200)).text;
  expect(list).not.toContain(`/admin/tickets/${hidden.id}"`);
  expect((await sam.get(`/admin/tickets?q=${hidden.tracking}`).expect(200)).text).not.toContain(
    `/admin/tickets/${hidden.id}"`,
  );

  // The admin, who sees every category, reaches the same ticket.
  const admin = request.agent(t.app);
  await signIn(admin, adminCredentials);
  await admin.get(`/admin/tickets/${hidden.id}`).expect(200);
});
