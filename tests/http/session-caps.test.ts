import type { Express } from 'express';
import request from 'supertest';
import { dateAsISO } from 'connect-session-knex/dist/utils';
import { sweepLeftovers } from '../../src/jobs/cleanup';
import { deleteExpiredSessions } from '../../src/sessions/sessions.repo';
import { signTicketLink } from '../../src/tickets/ticket-link';
import { createApp } from '../../src/web/app';
import {
  adminCredentials,
  csrfFrom,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

// Issue 18 item 25, "bound them": session rows are capped per staff member and per client
// address (the least recently used beyond the cap end), and expired rows are swept in batches.
let t: InstalledApp;
let capped: Express;
const caps = { maxPerStaff: 3, maxPerClient: 2 };
useInstalledApp(
  (app) => {
    t = app;
    // Behind a proxy that names the client, so one test speaks from several addresses.
    capped = createApp(
      {
        ...t.services,
        config: {
          ...t.config,
          server: { ...t.config.server, trustProxy: true },
          session: { ...t.config.session, ...caps },
        },
      },
      { services: t.services },
    );
  },
  { freshRateLimits: true },
);

beforeEach(async () => {
  await t.db('sessions').del();
});

type Row = { sid: string; staff_id: number | null; client: string | null };
const rows = async (where: Partial<Row> = {}) =>
  (await t.db('sessions').where(where).select('sid', 'staff_id', 'client')) as Row[];
/** The session id inside a signed `tessera.sid` cookie (`s:<id>.<signature>`). */
function sidOf(res: request.Response): string {
  const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('tessera.sid='));
  if (!cookie) throw new Error('no session cookie');
  return decodeURIComponent(cookie.split(';')[0]!.slice('tessera.sid='.length)).slice(2).split('.')[0]!;
}
/** Makes a session look last used `minutesAgo` minutes ago (its expiry is last use + idle time). */
async function lastUsed(sid: string, minutesAgo: number) {
  const expiresAt = Date.now() + t.config.session.idleMinutes * 60_000 - minutesAgo * 60_000;
  await t
    .db('sessions')
    .where({ sid })
    .update({ expired: dateAsISO(t.db, expiresAt) });
}
async function signInFrom(address: string, creds: { email: string; password: string }) {
  const agent = request.agent(capped);
  const page = await agent.get('/admin/login').set('X-Forwarded-For', address).expect(200);
  const res = await agent
    .post('/admin/login')
    .set('X-Forwarded-For', address)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...creds })
    .expect(303);
  return { agent, sid: sidOf(res), address };
}
const signedIn = async (s: { agent: request.Agent; address: string }) =>
  (await s.agent.get('/admin').set('X-Forwarded-For', s.address)).status === 200;

test('a session row records whom it belongs to: the signed-in staff member and the client address', async () => {
  const agent = request.agent(t.app);
  const res = await signIn(agent, adminCredentials);
  expect(res.status).toBe(303);
  expect(await rows()).toEqual([{ sid: sidOf(res), staff_id: 1, client: '127.0.0.1' }]);
});

test("signing in beyond the per-staff cap ends that person's least recently used session, nobody else's", async () => {
  const sam = await signInFrom('198.51.100.9', staffCredentials);
  const sessions = [];
  for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3'])
    sessions.push(await signInFrom(address, adminCredentials));
  const [a, b, c] = sessions as [typeof sam, typeof sam, typeof sam];
  await lastUsed(a.sid, 5);
  await lastUsed(b.sid, 20); // the least recently used
  await lastUsed(c.sid, 1);

  const d = await signInFrom('203.0.113.4', adminCredentials);
  const admins = (await rows({ staff_id: 1 })).map((r) => r.sid).sort();
  expect(admins).toEqual([a.sid, c.sid, d.sid].sort());
  expect(await signedIn(b)).toBe(false);
  for (const s of [a, c, d, sam]) expect(await signedIn(s)).toBe(true);
  // Once more: now the oldest of the rest goes, never the session that is signing in.
  await lastUsed(a.sid, 25);
  const e = await signInFrom('203.0.113.5', adminCredentials);
  expect((await rows({ staff_id: 1 })).map((r) => r.sid).sort()).toEqual([c.sid, d.sid, e.sid].sort());
  expect(await rows({ staff_id: 2 })).toHaveLength(1);
});

test('ticket links opened over and over from one address keep at most the per-address cap of sessions; other addresses keep theirs', async () => {
  const tracking = await openTicket(t, request.agent(t.app));
  await t.db('sessions').del();
  const link = `/helpdesk/tickets/${tracking}?k=${signTicketLink(t.config.secrets.signing, tracking, t.clock.now() + 3600_000)}`;
  const neighbour = request.agent(capped);
  await neighbour.get(link).set('X-Forwarded-For', '192.0.2.77').expect(200);

  // A script that never keeps cookies: every visit proves access anew and would store a row.
  for (let i = 0; i < 6; i++) await request(capped).get(link).set('X-Forwarded-For', '192.0.2.10').expect(200);
  expect(await rows({ client: '192.0.2.10' })).toHaveLength(caps.maxPerClient);
  // The visitor from the other address still reads the ticket without proving anything again.
  expect(await rows({ client: '192.0.2.77' })).toHaveLength(1);
  const again = await neighbour.get(`/helpdesk/tickets/${tracking}`).set('X-Forwarded-For', '192.0.2.77');
  expect(again.status).toBe(200);

  // IPv6 clients are one client per /64, as the rate limits count them.
  for (const host of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff::3'])
    await request(capped).get(link).set('X-Forwarded-For', host).expect(200);
  expect(await rows({ client: '2001:db8:1:2::/64' })).toHaveLength(caps.maxPerClient);
});

test('a session written beyond the cap and the ends of those beyond it are one commit; below the cap the row is written alone', async () => {
  const tracking = await openTicket(t, request.agent(t.app));
  await t.db('sessions').del();
  const link = `/helpdesk/tickets/${tracking}?k=${signTicketLink(t.config.secrets.signing, tracking, t.clock.now() + 3600_000)}`;
  /** The writes to `sessions` of one visit, each with the transaction it ran in (undefined: on its own). */
  const sessionWrites = async () => {
    const writes: Array<{ sql: string; trx: unknown }> = [];
    const listen = (q: { sql: string; __knexTxId?: unknown }) => {
      if (/^(insert|update|delete|replace)\b.*\bsessions\b/i.test(q.sql))
        writes.push({ sql: q.sql, trx: q.__knexTxId });
    };
    t.db.on('query', listen);
    try {
      await request(capped).get(link).set('X-Forwarded-For', '192.0.2.20').expect(200);
    } finally {
      t.db.off('query', listen);
    }
    return writes;
  };
  for (let i = 0; i < caps.maxPerClient; i++) {
    const below = await sessionWrites();
    expect(below).toHaveLength(1);
    expect(below[0]!.trx).toBeUndefined();
  }
  const beyond = await sessionWrites();
  expect(beyond.map((w) => w.sql.split(' ')[0]!.toLowerCase())).toEqual(['insert', 'delete']);
  expect(beyond[0]!.trx).toBeDefined();
  expect(beyond[1]!.trx).toBe(beyond[0]!.trx);
  expect(await rows({ client: '192.0.2.20' })).toHaveLength(caps.maxPerClient);
});

test("a staff member's sessions do not count against the address they share with customers", async () => {
  const tracking = await openTicket(t, request.agent(t.app));
  await t.db('sessions').del();
  const office = '203.0.113.50';
  const admin = await signInFrom(office, adminCredentials);
  const link = `/helpdesk/tickets/${tracking}?k=${signTicketLink(t.config.secrets.signing, tracking, t.clock.now() + 3600_000)}`;
  for (let i = 0; i < 4; i++) await request(capped).get(link).set('X-Forwarded-For', office).expect(200);
  expect(await rows({ client: office, staff_id: null })).toHaveLength(caps.maxPerClient);
  expect(await signedIn(admin)).toBe(true);
});

test('expired sessions are swept in bounded batches, live ones stay', async () => {
  const now = Date.now();
  const expired = Array.from({ length: 1200 }, (_, i) => ({
    sid: `old-${i}`,
    sess: '{}',
    expired: dateAsISO(t.db, now - 60_000 - i * 1000),
    staff_id: null,
    client: '192.0.2.1',
  }));
  for (let i = 0; i < expired.length; i += 200) await t.db('sessions').insert(expired.slice(i, i + 200));
  const live = await signIn(request.agent(t.app), adminCredentials);
  expect(live.status).toBe(303);

  expect(await deleteExpiredSessions(t.db, now, { batch: 500, maxBatches: 2 })).toBe(1000);
  expect(await rows()).toHaveLength(201);
  // The job's sweep takes the rest and leaves the live session.
  const swept = await sweepLeftovers({ ...t.services, clock: { now: () => now } });
  expect(swept.sessions).toBe(200);
  expect((await rows()).map((r) => r.sid)).toEqual([sidOf(live)]);
});

test("building the app leaves no long timer behind: an unref'd one still keeps the whole app in memory", async () => {
  // The session store's own 15-minute cleanup timer held every app built in a jest worker (about
  // 20 MB per test file), until exiting the worker took longer than jest waits for it.
  const spy = jest.spyOn(global, 'setTimeout');
  try {
    createApp(t.services, { services: t.services });
    // The store's first look at its table, and what followed it, are queued before these.
    for (let i = 0; i < 5; i++) await t.db.raw('select 1');
    // Long timers still waiting (a query's acquire timeout is cleared once it has its connection).
    const waiting = spy.mock.calls.filter(
      ([, ms], i) => Number(ms) >= 60_000 && !(spy.mock.results[i]!.value as { _destroyed?: boolean })._destroyed,
    );
    expect(waiting.map(([fn]) => String(fn).slice(0, 80))).toEqual([]);
  } finally {
    spy.mockRestore();
  }
});
