import fs from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { createInstallApp } from '../../install/install-app';
import { createTessera } from '../../src/tessera';
import { appRoutes, stateChanging } from '../helpers/app-routes';
import { snapshotTables } from '../helpers/db-snapshot';
import {
  adminCredentials,
  csrfFrom,
  signedInAgent,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { submitForm, validTicket } from '../helpers/portal';
import { tempDir } from '../helpers/test-db';

/**
 * CSRF, walked over the router itself: every state-changing route of the pages (/admin and
 * /helpdesk), found by walking the app's router (a new route is covered without touching this
 * file), is sent by a signed-in admin with a valid session but without a token, with a made-up
 * token and with a token of another session — as a plain form and as a form with a file — and
 * must answer 403 and change nothing. The API (/api/v1) takes bearer tokens only: a session
 * cookie alone is no sign-in there.
 */

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

/** State-changing page routes at the time of writing: the walk must find at least these many. */
const expectedPageRoutes = 82;

let admin: request.Agent;
let adminToken: string;
let samToken: string;
let customer: request.Agent;
let samId: number;
type Made = { id: number; tracking: string };
let ticket: Made;
let other: Made;
let customerId: number;
let staffMessageId: number;
let savedViewId: number;

async function newTicket(agent: request.Agent, subject: string): Promise<Made> {
  const res = await submitForm(t, agent, { ...validTicket, subject }, [{ name: 'log.txt', content: 'log\n' }]);
  if (res.status !== 303) throw new Error(`ticket not created: ${res.status}`);
  const tracking = /\/helpdesk\/tickets\/([A-Z0-9]{10})\/created/.exec(res.headers.location!)![1]!;
  return { id: Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id), tracking };
}

const firstId = async (table: string) => Number((await t.db(table).min<{ m: number }[]>({ m: 'id' }))[0]?.m ?? 1);

/** A real object for each path parameter, so a request that got through would do something. */
async function concretePath(route: string): Promise<string> {
  const path = route.split(' ')[1]!;
  const tables: Record<string, string> = {
    'api-tokens': 'api_tokens',
    bans: 'bans',
    canned: 'canned_responses',
    categories: 'categories',
    fields: 'custom_fields',
    priorities: 'priorities',
    roles: 'roles',
    statuses: 'statuses',
  };
  const section = path.split('/')[2] ?? '';
  const values: Record<string, string> = {
    trackingId: ticket.tracking,
    messageId: String(staffMessageId),
    ticket: ticket.tracking,
    otherId: String(other.id),
    ticketId: String(ticket.id),
    template: 'staff_replied',
    language: 'en',
    tab: 'general',
    token: 'x'.repeat(43),
  };
  let id: string;
  if (path.startsWith('/admin/tickets/views/')) id = String(savedViewId);
  else if (path.startsWith('/admin/tickets/') || path.startsWith('/api/v1/tickets/')) id = String(ticket.id);
  else if (path.startsWith('/admin/customers/')) id = String(customerId);
  else if (path.startsWith('/admin/staff/')) id = String(samId);
  else id = String(tables[section] ? await firstId(tables[section]) : 1);
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'id' ? id : (values[name] ?? '1')));
}

/** One body for every route: fields that would make each do its work if the token were not checked. */
function forgedFields(): Record<string, string> {
  return {
    message: 'Forged text',
    confirm: 'yes',
    ids: String(ticket.id),
    action: 'status',
    value: 'closed',
    status: 'closed',
    priority: 'urgent',
    owner: String(samId),
    category: '1',
    name: 'Forged name',
    title: 'Forged title',
    body: 'Forged body',
    email: 'forged@example.com',
    password: 'forged pass phrase 123456',
    new_password: 'forged pass phrase 123456',
    kind: 'email',
    reason: 'Forged',
    tags: 'forged',
    tag: 'forged',
    minutes: '5',
    due: '2031-01-01T10:00',
    target: other.tracking,
    link: other.tracking,
    state: 'viewing',
    query: 'status=new',
    label: 'Forged',
    'helpdesk.name': 'Forged desk',
    subject: 'Forged subject',
    rating: 'up',
    code: '123456',
    method: 'invite',
    role: 'default',
  };
}

/** What the wizard's steps would need to go through. */
const basicsLike = {
  name: 'Forged Desk',
  url: 'http://forged.example',
  email: 'forged@example.com',
  timezone: 'UTC',
  language: 'en',
  password: 'forged pass phrase 123456',
};

const isCsrfRefusal = (res: request.Response) => res.status === 403 && res.text.includes('This form has expired');

function send(agent: request.Agent, route: string, path: string) {
  const method = route.split(' ')[0]!.toLowerCase() as 'post' | 'put' | 'patch' | 'delete';
  return agent[method](path);
}

/** The ways of sending a form without the right token (in the body, or in the action URL for forms with files). */
const forgeries = () => [
  { name: 'no token', token: undefined as string | undefined },
  { name: 'a made-up token', token: 'bogus-token-value' },
  { name: "another session's token", token: samToken },
];

beforeAll(async () => {
  samId = Number((await t.db('staff_users').where({ email: staffCredentials.email }).first('id')).id);
  customer = request.agent(t.app);
  ticket = await newTicket(customer, 'CSRF target');
  other = await newTicket(request.agent(t.app), 'CSRF other');
  customerId = Number((await t.db('tickets').where({ id: ticket.id }).first('customer_id')).customer_id);
  admin = await signedInAgent(t, adminCredentials);
  adminToken = csrfFrom((await admin.get(`/admin/tickets/${ticket.id}`).expect(200)).text);
  const sam = await signedInAgent(t, staffCredentials);
  samToken = csrfFrom((await sam.get('/admin/profile').expect(200)).text);
  // Objects for the routes to aim at, made with the right token.
  await admin
    .post(`/admin/tickets/${ticket.id}/reply?_csrf=${encodeURIComponent(adminToken)}`)
    .field('message', 'A real reply.')
    .expect(303);
  staffMessageId = Number((await t.db('messages').where({ ticket_id: ticket.id, kind: 'staff' }).first('id')).id);
  await admin
    .post('/admin/tickets/views')
    .type('form')
    .send({ _csrf: adminToken, name: 'CSRF view', query: 'status=new' })
    .expect(303);
  savedViewId = Number((await t.db('saved_views').where({ name: 'CSRF view' }).first('id')).id);
  await admin
    .post('/admin/canned')
    .type('form')
    .send({ _csrf: adminToken, title: 'CSRF canned', body: 'Hello' })
    .expect(303);
  await admin
    .post('/admin/bans')
    .type('form')
    .send({ _csrf: adminToken, kind: 'email', value: 'banned@example.org' })
    .expect(303);
});

test('the walk finds every state-changing page route (it cannot pass on an empty list)', () => {
  const routes = stateChanging(appRoutes(t.app));
  const pages = routes.filter((r) => !r.includes(' /api/'));
  expect(pages.length).toBeGreaterThanOrEqual(expectedPageRoutes);
  for (const known of [
    'POST /admin/tickets/{id}/reply',
    'POST /admin/tickets/{id}/delete',
    'POST /admin/tickets/bulk',
    'POST /admin/settings/{tab}',
    'POST /admin/staff',
    'POST /admin/logout',
    'POST /helpdesk/tickets/{trackingId}/reply',
    'POST /helpdesk/tickets/new',
  ]) {
    expect(pages).toContain(known);
  }
  // Every one of them is under a path this file walks.
  expect(pages.filter((r) => !/ \/(admin|helpdesk)\//.test(r))).toEqual([]);
});

test('every state-changing page route refuses a form without the right token (403) and changes nothing', async () => {
  const routes = stateChanging(appRoutes(t.app)).filter((r) => !r.includes(' /api/'));
  const before = await snapshotTables(t.db);
  const refusedWrongly: string[] = [];
  let sent = 0;
  for (const route of routes) {
    const path = await concretePath(route);
    const agents = route.includes(' /helpdesk/') ? [admin, customer] : [admin];
    for (const agent of agents) {
      for (const forgery of forgeries()) {
        const res = await send(agent, route, path)
          .type('form')
          .send({ ...forgedFields(), ...(forgery.token === undefined ? {} : { _csrf: forgery.token }) });
        sent++;
        if (!isCsrfRefusal(res)) refusedWrongly.push(`${route} (form, ${forgery.name}): ${res.status}`);
      }
      // The token in a header is checked the same way.
      const header = await send(agent, route, path)
        .set('X-CSRF-Token', 'bogus-token-value')
        .type('form')
        .send(forgedFields());
      sent++;
      if (!isCsrfRefusal(header)) refusedWrongly.push(`${route} (header, made-up token): ${header.status}`);
    }
  }
  expect(refusedWrongly).toEqual([]);
  expect(sent).toBeGreaterThanOrEqual(expectedPageRoutes * 4);
  expect(await snapshotTables(t.db)).toEqual(before);
  // The forged sign-out did not end the session; the forged reply and delete did nothing.
  await admin.get('/admin/tickets').expect(200);
  expect(await t.db('tickets').where({ id: ticket.id }).first('id')).toBeDefined();
  expect((await t.db('messages').where({ ticket_id: ticket.id }).pluck('body')).join('|')).not.toContain('Forged');
  expect(await t.db('settings').where({ key: 'helpdesk.name' }).first()).not.toEqual(
    expect.objectContaining({ value: expect.stringContaining('Forged') }),
  );
});

test('forms with files: refused before any file is read or written, whichever token is missing or wrong', async () => {
  const routes = stateChanging(appRoutes(t.app)).filter((r) => !r.includes(' /api/'));
  const before = await snapshotTables(t.db);
  const incoming = t.services.store.incomingDir;
  const written: string[] = [];
  const watcher = fs.watch(incoming, (_event, name) => written.push(String(name)));
  const refusedWrongly: string[] = [];
  try {
    for (const route of routes) {
      const path = await concretePath(route);
      const multipart = (url: string, extra: Record<string, string> = {}) => {
        let req = send(admin, route, url);
        for (const [k, v] of Object.entries({ ...forgedFields(), ...extra })) req = req.field(k, v);
        return req.attach('attachments', Buffer.from('forged file\n'), 'forged.txt');
      };
      for (const forgery of forgeries()) {
        const url = forgery.token === undefined ? path : `${path}?_csrf=${encodeURIComponent(forgery.token)}`;
        const res = await multipart(url);
        if (!isCsrfRefusal(res)) refusedWrongly.push(`${route} (multipart, ${forgery.name}): ${res.status}`);
      }
      // A valid token only inside the multipart body is not read: the check runs before the
      // body is parsed, so no file of a forged request is ever written (forms with files carry
      // their token in the action URL).
      const inBody = await multipart(path, { _csrf: adminToken });
      if (!isCsrfRefusal(inBody)) refusedWrongly.push(`${route} (multipart, token only in the body): ${inBody.status}`);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(refusedWrongly).toEqual([]);
    expect(written).toEqual([]);
    expect(await snapshotTables(t.db)).toEqual(before);

    // The control: the same form with the token in its URL goes through, and its file is written.
    const count = (await t.db('messages').where({ ticket_id: ticket.id }).count<{ n: number }[]>({ n: '*' }))[0]!.n;
    const seen = String(
      (await t.db('messages').where({ ticket_id: ticket.id }).max<{ m: number }[]>({ m: 'id' }))[0]!.m,
    );
    await admin
      .post(`/admin/tickets/${ticket.id}/reply?_csrf=${encodeURIComponent(adminToken)}`)
      .field('message', 'Real reply with a file')
      .field('seen', seen)
      .attach('attachments', Buffer.from('real file\n'), 'real.txt')
      .expect(303);
    await new Promise((r) => setTimeout(r, 100));
    expect(written.length).toBeGreaterThan(0);
    expect(
      Number((await t.db('messages').where({ ticket_id: ticket.id }).count<{ n: number }[]>({ n: '*' }))[0]!.n),
    ).toBe(Number(count) + 1);
    expect(await t.db('attachments').where({ ticket_id: ticket.id, file_name: 'real.txt' }).first('id')).toBeDefined();
  } finally {
    watcher.close();
  }
});

test('the same forms with the right token do their work (the refusals above are the token, not the request)', async () => {
  const delTarget = await newTicket(request.agent(t.app), 'CSRF delete control');
  await admin.post(`/admin/tickets/${delTarget.id}/delete`).type('form').send({ confirm: 'yes' }).expect(403);
  await admin
    .post(`/admin/tickets/${delTarget.id}/delete`)
    .type('form')
    .send({ _csrf: samToken, confirm: 'yes' })
    .expect(403);
  expect(await t.db('tickets').where({ id: delTarget.id }).first('id')).toBeDefined();
  await admin
    .post(`/admin/tickets/${delTarget.id}/delete`)
    .type('form')
    .send({ _csrf: adminToken, confirm: 'yes' })
    .expect(303);
  expect(await t.db('tickets').where({ id: delTarget.id }).first('id')).toBeUndefined();

  const bulk = await newTicket(request.agent(t.app), 'CSRF bulk control');
  await admin
    .post('/admin/tickets/bulk')
    .type('form')
    .send({ ids: String(bulk.id), action: 'priority', value: 'urgent' })
    .expect(403);
  const urgent = Number((await t.db('priorities').where({ key: 'urgent' }).first('id')).id);
  expect(Number((await t.db('tickets').where({ id: bulk.id }).first('priority_id')).priority_id)).not.toBe(urgent);
  await admin
    .post('/admin/tickets/bulk')
    .type('form')
    .send({ _csrf: adminToken, ids: String(bulk.id), action: 'priority', value: 'urgent' })
    .expect(303);
  expect(Number((await t.db('tickets').where({ id: bulk.id }).first('priority_id')).priority_id)).toBe(urgent);
});

test('the API: a session cookie without a bearer token is no sign-in on any state-changing route', async () => {
  const api = stateChanging(appRoutes(t.app)).filter((r) => r.includes(' /api/v1/'));
  // Every one of them, opening a ticket for a customer included, needs a Bearer token.
  const staffRoutes = api;
  expect(staffRoutes.length).toBeGreaterThanOrEqual(7);
  const before = await snapshotTables(t.db);
  const wrong: string[] = [];
  for (const route of staffRoutes) {
    const path = await concretePath(route);
    // The admin's browser session (its cookies) and even a valid page CSRF token do not count.
    const res = await send(admin, route, path).set('X-CSRF-Token', adminToken).send({
      message: 'Forged by cookie',
      status: 'closed',
      owner: samId,
      reason: 'Forged',
      target: other.tracking,
      priority: 'urgent',
    });
    if (res.status !== 401 || res.body?.error?.code !== 'unauthorized')
      wrong.push(`${route}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  expect(wrong).toEqual([]);
  expect(await snapshotTables(t.db)).toEqual(before);
});

test('the install wizard: every step that saves refuses a form without its token, and the wizard stays where it was', async () => {
  const configDir = tempDir('tessera-config-');
  const dataDir = tempDir();
  let wizardApp: Express | undefined;
  const tessera = createTessera(
    (deps) => {
      wizardApp = createInstallApp(deps);
      return wizardApp;
    },
    {
      TESSERA_CONFIG_DIR: configDir,
      TESSERA_DATA_DIR: dataDir,
      TESSERA_ATTACHMENTS_DIR: path.join(dataDir, 'attachments'),
      TESSERA_LOG_LEVEL: 'silent',
    },
  );
  try {
    const server = (req: Parameters<typeof tessera.handle>[0], res: Parameters<typeof tessera.handle>[1]) =>
      tessera.handle(req, res);
    const visitor = request.agent(server);
    const page = await visitor.get('/install/welcome').expect(200);
    const token = csrfFrom(page.text);
    const otherToken = csrfFrom((await request.agent(server).get('/install/welcome').expect(200)).text);
    const steps = stateChanging(appRoutes(wizardApp!));
    expect(steps.length).toBeGreaterThanOrEqual(6);
    expect(steps).toContain('POST /install/welcome');
    const wrong: string[] = [];
    for (const step of steps) {
      const url = step.split(' ')[1]!;
      for (const forged of [undefined, 'bogus-token-value', otherToken]) {
        const res = await send(visitor, step, url)
          .type('form')
          .send({ accept: 'yes', client: 'sqlite', ...basicsLike, ...(forged === undefined ? {} : { _csrf: forged }) });
        if (!isCsrfRefusal(res)) wrong.push(`${step} (${forged ?? 'no token'}): ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
    // The licence was not accepted by any of them; nothing was written to the config folder.
    await visitor.get('/install').expect(303).expect('Location', '/install/welcome');
    expect(fs.readdirSync(configDir)).toEqual([]);
    // The control: with its token, the first step goes through.
    await visitor
      .post('/install/welcome')
      .type('form')
      .send({ _csrf: token, accept: 'yes' })
      .expect(303)
      .expect('Location', '/install/checks');
  } finally {
    await tessera.close();
    fs.rmSync(configDir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
