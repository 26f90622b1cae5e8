import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/web/app';
import { migratorConfig } from '../../src/db/migrate';
import { insertCategory } from '../../src/categories/categories.repo';
import { insertReturningId } from '../../src/db/insert';
import { requestFingerprint } from '../../src/idempotency/idempotency.service';
import { apiTokenFor, customerTicket, integrationToken } from '../helpers/api-client';
import { staffCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { unreachableDatabaseApp } from '../helpers/unreachable-db';
import { createHash } from 'node:crypto';
import { insertKbCategory } from '../../src/kb/kb-categories.repo';
import { addKbArticle } from '../helpers/kb-fixtures';

/**
 * The OpenAPI document is the contract: for every operation and every status it documents, a
 * request here produces exactly that status; every answer of every request here is one the
 * document lists for that operation, with the headers it says that status carries. A 503 is
 * produced by a second app whose database does not answer.
 */

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
const down = unreachableDatabaseApp();
afterAll(down.close);

type Response = { description: string; headers?: Record<string, { required?: boolean }> };
type Doc = {
  paths: Record<
    string,
    Record<
      string,
      {
        security?: object[];
        responses: Record<string, Response>;
        requestBody?: { content: Record<string, { schema: { properties?: Record<string, { maxLength?: number }> } }> };
      }
    >
  >;
};
type Call = {
  method: string;
  path: string;
  body?: unknown;
  token?: string | null;
  type?: string;
  key?: string;
  file?: boolean;
  app?: Express;
  settings?: Record<string, unknown>;
};
type Ctx = {
  ticket: number;
  other: number;
  merged: number;
  attachment: number;
  customer: number;
  token: string;
  powerless: string;
  kb: { category: number; article: number; stamp: string };
};

const bad = 'tsr_' + 'A'.repeat(43);
const huge = { body: 'x'.repeat(1_100_000) };
let seq = 0;
const submission = () => ({
  name: 'Contract Walker',
  email: `walker${++seq}@example.org`,
  category: 1,
  subject: `Contract ${seq}`,
  message: 'Hello',
});

function send(c: Call, ctx: Ctx): request.Test {
  const r = request(c.app ?? t.app)[c.method.toLowerCase() as 'get'](`/api/v1${c.path}`);
  const token = c.token === undefined ? ctx.token : c.token;
  if (token) r.set('Authorization', `Bearer ${token}`);
  if (c.key) r.set('Idempotency-Key', c.key);
  if (c.file)
    return r
      .field('body', 'With a file')
      .attach('attachments', Buffer.from('hello file\n'), { filename: 'hello.txt', contentType: 'text/plain' });
  if (c.type) return r.set('Content-Type', c.type).send(String(c.body));
  return c.body === undefined ? r : r.send(c.body as object);
}

/** The body that succeeds on each operation (a fresh ticket each time where it changes one). */
async function okBody(method: string, path: string, ctx: Ctx): Promise<unknown> {
  const bodies: Record<string, unknown> = {
    'POST /tickets': submission(),
    'PATCH /tickets/{ticket}': { priority: 'high' },
    'POST /tickets/{ticket}/replies': { body: 'A reply' },
    'POST /tickets/{ticket}/notes': { body: 'A note' },
    'POST /tickets/{ticket}/assign': { ownerId: 'me' },
    'POST /tickets/{ticket}/status': { status: 'on_hold' },
    'POST /tickets/{ticket}/merge': { into: (await customerTicket(t)).id },
    'POST /tickets/{ticket}/escalate': { reason: 'Tier 2, please' },
    'POST /kb/articles': {
      categoryId: ctx.kb.category,
      status: 'published',
      language: 'en',
      title: `Contract article ${++seq}`,
      body: 'Some text.',
    },
    'PATCH /kb/articles/{article}': { updatedAt: ctx.kb.stamp, title: 'Changed' },
    'POST /kb/categories': { name: `Contract category ${++seq}` },
    'PATCH /kb/categories/{category}': { name: 'Renamed' },
  };
  return bodies[`${method} ${path}`];
}

function fill(path: string, ctx: Ctx, ticket = ctx.ticket): string {
  return path
    .replace('{ticket}', String(ticket))
    .replace('{attachment}', String(ctx.attachment))
    .replace('{customer}', String(ctx.customer))
    .replace('{article}', String(ctx.kb.article))
    .replace('{category}', String(ctx.kb.category));
}

const kbArticle = async (ctx: Ctx) => {
  const id = await addKbArticle(
    t.db,
    ctx.kb.category,
    { title: `Contract ${++seq}`, slug: 'contract', body: 'Text.' },
    [],
    'published',
    t.clock.now(),
  );
  return {
    id,
    stamp: new Date(Number((await t.db('kb_articles').where({ id }).first('updated_at')).updated_at)).toISOString(),
  };
};

/** The knowledge base's cases that differ from the tickets': public reads, fresh articles, its own 404s and 409s. */
async function kbCaseFor(method: string, path: string, status: string, ctx: Ctx): Promise<Call | undefined> {
  const reading = method === 'GET';
  const query = path === '/kb/articles/search' ? '?q=contract' : '';
  switch (status) {
    case '200':
    case '204':
      if (reading) return { method, path: fill(path, ctx) + query, token: null };
      if (path === '/kb/articles/{article}') {
        const fresh = await kbArticle(ctx);
        return {
          method,
          path: `/kb/articles/${fresh.id}`,
          body: method === 'PATCH' ? { updatedAt: fresh.stamp, title: 'Changed' } : undefined,
        };
      }
      if (method === 'DELETE')
        return {
          method,
          path: `/kb/categories/${await insertKbCategory(t.db, { parentId: null, name: 'Empty', position: 0, public: true }, 1)}`,
        };
      return undefined;
    case '403':
      // Anyone may read: only a token that may not be used at all is refused.
      return reading
        ? { method, path: fill(path, ctx) + query, settings: { 'security.requireTwoFactor': true } }
        : undefined;
    case '404':
      if (reading && !path.includes('{'))
        return { method, path: path + query, token: null, settings: { 'kb.enabled': false } };
      return undefined;
    case '409':
      if (method === 'PATCH')
        return { method, path: fill(path, ctx), body: { updatedAt: '2000-01-01T00:00:00.000Z', title: 'Lost' } };
      if (method === 'DELETE') return { method, path: fill(path, ctx) };
      return undefined;
    case '429':
      return reading ? { method, path: fill(path, ctx) + query, token: bad } : undefined;
    default:
      return undefined;
  }
}

async function caseFor(method: string, path: string, status: string, ctx: Ctx): Promise<Call> {
  if (path.startsWith('/kb')) {
    const kb = await kbCaseFor(method, path, status, ctx);
    if (kb) return kb;
  }
  const hasBody = method === 'POST' || method === 'PATCH';
  const fresh = async () => (await customerTicket(t)).id;
  // Refused requests change nothing, so they share one ticket; a successful change gets its own.
  const base = async (ticket = ctx.ticket): Promise<Call> => ({
    method,
    path: fill(path, ctx, ticket) + (path === '/customers' ? `?email=walker1%40example.org` : ''),
    body: await okBody(method, path, ctx),
  });
  switch (status) {
    case '200':
    case '201':
      return base(hasBody ? await fresh() : ctx.ticket);
    case '401':
      return { ...(await base()), token: bad };
    case '403':
      return { ...(await base()), token: ctx.powerless };
    case '404':
      return {
        ...(await base()),
        path: path.includes('{attachment}')
          ? fill(path, ctx).replace(/attachments\/\d+/, 'attachments/999999')
          : path.replace(/\{\w+\}/, '999999999').replace(/\{\w+\}/g, '1'),
      };
    case '400': {
      const b = await base();
      if (hasBody) return { ...b, body: { unknownField: 1 } };
      if (
        path === '/tickets' ||
        path === '/customers' ||
        path.endsWith('/tickets') ||
        (path.startsWith('/kb') && !path.includes('{'))
      )
        return { ...b, path: `${b.path.split('?')[0]}?bogus=1` };
      return { ...b, path: path.replace(/\{\w+\}/, 'x'.repeat(41)).replace(/\{\w+\}/g, '1') };
    }
    case '409': {
      if (method === 'POST' && /^\/(tickets(\/\{ticket\}\/(replies|notes))?|kb\/(articles|categories))$/.test(path)) {
        // A request with this key still running: its reservation without an answer.
        const b = await base();
        const key = `running-${++seq}`;
        const tokenId = Number((await t.db('api_tokens').orderBy('id').first('id')).id);
        await insertReturningId(t.db, 'api_idempotency_keys', {
          token_id: tokenId,
          key_hash: createHash('sha256').update(key).digest('hex'),
          fingerprint: requestFingerprint(method, `/api/v1${b.path}`, b.body),
          created_at: t.clock.now(),
        });
        return { ...b, key };
      }
      return base(ctx.merged);
    }
    case '413':
      return { ...(await base()), body: huge };
    case '415':
      return { ...(await base()), type: 'text/plain', body: 'plain text' };
    case '422': {
      const b = await base();
      const key = `reused-${++seq}`;
      await send({ ...b, key }, ctx).expect(201);
      return { ...b, key, body: method === 'POST' && path === '/tickets' ? submission() : { body: 'Another text' } };
    }
    case '429':
      return { ...(await base()), token: bad, path: fill(path, ctx), body: undefined };
    case '503':
      return { ...(await base()), app: down.app };
    default:
      throw new Error(`no case for ${method} ${path} ${status}`);
  }
}

test('every documented status of every operation happens, and nothing undocumented', async () => {
  const doc = (await request(t.app).get('/api/v1/openapi.json').expect(200)).body as Doc;
  const token = await integrationToken(t);
  const [roleId] = await t
    .db('roles')
    .insert({ name: 'Nothing', capabilities: JSON.stringify([]), created_at: 1, updated_at: 1 })
    .returning('id');
  const sam = await t.db('staff_users').where({ email: staffCredentials.email }).first('id');
  await t
    .db('staff_users')
    .where({ id: sam.id })
    .update({ role_id: typeof roleId === 'object' ? roleId.id : roleId });
  const powerless = await apiTokenFor(t, staffCredentials.email);
  const tier2 = await insertCategory(
    t.db,
    { name: 'Tier 2', description: null, tier: 2, is_public: false, default_priority_id: null, sort_order: 9 },
    t.clock.now(),
  );
  await t.db('categories').where({ id: 1 }).update({ escalate_to_id: tier2 });
  const ticket = (await customerTicket(t)).id;
  const merged = (await customerTicket(t)).id;
  await t.db('tickets').where({ id: merged }).update({ merged_into_id: ticket });
  const withFile = await send({ method: 'POST', path: `/tickets/${ticket}/notes`, file: true, token }, {
    token,
  } as Ctx).expect(201);
  const attachment = withFile.body.message.attachments[0].id as number;
  const customer = Number((await t.db('tickets').where({ id: ticket }).first('customer_id')).customer_id);
  const kbCategory = await insertKbCategory(t.db, { parentId: null, name: 'Contract', position: 0, public: true }, 1);
  const ctx: Ctx = {
    ticket,
    other: 0,
    merged,
    attachment,
    customer,
    token,
    powerless,
    kb: { category: kbCategory, article: 0, stamp: '' },
  };
  const article = await kbArticle(ctx);
  ctx.kb = { category: kbCategory, article: article.id, stamp: article.stamp };

  const missing: string[] = [];
  const wrong: string[] = [];
  let cases = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [lower, op] of Object.entries(ops)) {
      const method = lower.toUpperCase();
      const documented = Object.keys(op.responses);
      for (const status of documented) {
        let call: Call;
        try {
          call = await caseFor(method, path, status, ctx);
        } catch (err) {
          missing.push(`${method} ${path} ${status}: ${(err as Error).message}`);
          continue;
        }
        if (status === '429')
          await t
            .db('rate_limits')
            .insert({ bucket: 'api-token:127.0.0.1', hits: 1000, reset_at: t.clock.now() + 60_000 })
            .onConflict('bucket')
            .merge();
        const before = call.settings ? await t.services.settings.all() : undefined;
        if (call.settings) await t.services.settings.save(call.settings);
        let res: Awaited<ReturnType<typeof send>>;
        try {
          res = await send(call, ctx);
        } finally {
          if (before)
            await t.services.settings.save(
              Object.fromEntries(Object.keys(call.settings!).map((k) => [k, before[k as keyof typeof before]])),
            );
        }
        if (status === '429') await t.db('rate_limits').where('bucket', 'like', 'api-token:%').del();
        await t.db('rate_limits').where('bucket', 'like', 'submit%').del();
        cases++;
        if (String(res.status) !== status)
          wrong.push(`${method} ${path}: expected ${status}, got ${res.status} ${res.text.slice(0, 200)}`);
        if (!documented.includes(String(res.status))) wrong.push(`${method} ${path}: undocumented ${res.status}`);
        wrong.push(...contractBreaches(`${method} ${path}`, op.responses, res));
        if (status === '503' && res.body?.error?.code !== 'unavailable')
          wrong.push(`${method} ${path}: 503 without "unavailable"`);
      }
    }
  }
  expect(missing).toEqual([]);
  expect(wrong).toEqual([]);
  expect(cases).toBeGreaterThan(100);
}, 600_000); // some 150 requests: a loaded machine may take minutes, which is no failure

/** What an answer breaks of its documented status: an error code it does not name, a header it promises. */
function contractBreaches(op: string, responses: Record<string, Response>, res: request.Response): string[] {
  const documented = responses[String(res.status)];
  if (!documented) return [];
  const breaches: string[] = [];
  const code = res.body?.error?.code as string | undefined;
  if (res.status >= 400 && (code === undefined || !documented.description.includes(`\`${code}\``)))
    breaches.push(`${op} ${res.status}: code ${code} not documented`);
  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    if (header.required && res.headers[name.toLowerCase()] === undefined)
      breaches.push(`${op} ${res.status}: no ${name} header`);
  }
  return breaches;
}

test('every operation answers 503 upgrade_in_progress while migrations are pending, with or without a token', async () => {
  const doc = (await request(t.app).get('/api/v1/openapi.json').expect(200)).body as Doc;
  const token = await integrationToken(t);
  await t.db.migrate.down(migratorConfig());
  try {
    // A new app: the running one remembers for a while that nothing was pending.
    const upgrading = createApp(t.services, { services: t.services });
    const wrong: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [lower, op] of Object.entries(ops)) {
        const method = lower.toUpperCase();
        for (const auth of [token, null]) {
          const res = await send(
            {
              method,
              path: path.replace(/\{\w+\}/g, '1'),
              body: method === 'GET' ? undefined : {},
              token: auth,
              app: upgrading,
            },
            { token } as Ctx,
          );
          if (res.status !== 503 || res.body?.error?.code !== 'upgrade_in_progress')
            wrong.push(`${method} ${path}: ${res.status} ${res.text.slice(0, 200)}`);
          if (!op.responses['503']) wrong.push(`${method} ${path}: 503 undocumented`);
          wrong.push(...contractBreaches(`${method} ${path}`, op.responses, res));
        }
      }
    }
    expect(wrong).toEqual([]);
  } finally {
    await t.db.migrate.latest(migratorConfig());
  }
});

test('one limit for a name in the form, the API and the document: 120 characters', async () => {
  const doc = (await request(t.app).get('/api/v1/openapi.json').expect(200)).body as Doc;
  const schema = doc.paths['/tickets']!.post!.requestBody!.content['application/json']!.schema;
  expect(schema.properties!.name!.maxLength).toBe(120);
  expect(schema.properties!.subject!.maxLength).toBe(200);
  const auth = { Authorization: `Bearer ${await integrationToken(t)}` };
  await request(t.app)
    .post('/api/v1/tickets')
    .set(auth)
    .send({ ...submission(), name: 'n'.repeat(121) })
    .expect(400);
  await request(t.app)
    .post('/api/v1/tickets')
    .set(auth)
    .send({ ...submission(), name: 'n'.repeat(120) })
    .expect(201);
});

test('a status has one name: /statuses says what the staff pages say', async () => {
  const res = await request(t.app)
    .get('/api/v1/statuses')
    .set('Authorization', `Bearer ${await integrationToken(t)}`)
    .expect(200);
  const names = Object.fromEntries(res.body.items.map((s: { key: string; name: string }) => [s.key, s.name]));
  expect(names.replied).toBe('Answered by us');
  expect(names.waiting ?? 'Waiting for customer').toBe('Waiting for customer');
});
