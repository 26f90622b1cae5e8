import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import type { Knex } from 'knex';
import { withTransaction } from '../../src/db/transaction';
import { drainDueMail } from '../../src/jobs/mail-delivery';
import { deliveryPolicy } from '../../src/mail/delivery-policy';
import { adminCredentials, csrfFrom, installedApp, signedInAgent, type InstalledApp } from '../helpers/installed-app';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { tempDir } from '../helpers/test-db';
import { waitFor } from '../helpers/wait-for';
import { galeraAvailable, startGaleraCluster, type GaleraCluster, type GaleraNode } from './galera';

/**
 * Tessera on a three-node MariaDB Galera cluster, connected through the list of its nodes
 * (database.hosts): under a steady load of customer submissions and staff replies the node the
 * app writes to is killed (SIGKILL) and later rejoins by a full copy (rsync SST). Nothing
 * accepted is lost or stored twice, every queued mail goes out, and every request either
 * succeeds or is told "try again" (503 with a readable page), never a 500.
 */
let cluster: GaleraCluster;
let t: InstalledApp;
let sink: SmtpSink;

beforeAll(async () => {
  // CI installs galera-4 and rsync for this suite (.ci/run): missing packages fail it, never skip it.
  if (!galeraAvailable()) throw new Error('galera-4, mariadb-server and rsync are needed (Debian packages)');
  cluster = await startGaleraCluster();
  const [first, second, third] = cluster.nodes as [GaleraNode, GaleraNode, GaleraNode];
  await cluster.start(first, { bootstrap: true });
  await cluster.start(second);
  await cluster.start(third);
  await cluster.waitSynced(third);
  progress('cluster of three synced');
  const admin = first.connect();
  await admin.raw('CREATE DATABASE tessera CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
  await admin.destroy();
  const dataDir = tempDir();
  const database = {
    client: 'mysql' as const,
    filename: 'unused.sqlite',
    host: '127.0.0.1',
    port: first.port,
    database: 'tessera',
    ...cluster.user,
    ssl: false,
    poolMax: 5,
    hosts: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
  };
  t = await installedApp({ config: database, dataDir, drop: async () => undefined });
  sink = await startSmtpSink();
  await t.services.settings.save({
    'mail.transport': 'smtp',
    'mail.smtpHost': '127.0.0.1',
    'mail.smtpPort': sink.port,
    'mail.smtpSecurity': 'none',
    'mail.smtpUser': '',
    'mail.smtpPassword': '',
    // Every customer of the load test speaks from 127.0.0.1 and sends at once.
    'spam.submissionsPerHour': 10_000,
    'spam.minFillSeconds': 0,
  });
}, 300_000);

afterAll(async () => {
  await t?.close();
  await sink?.close();
  await cluster?.stop();
});

/** What the load saw: answers that were neither a success nor a readable "try again". */
const unexpected: string[] = [];
let tryAgainAnswers = 0;

/** Set when the test gives up: the load's "people" stop trying again. */
let abandon = false;
const progress = (what: string) =>
  process.stderr.write(`galera failover: ${what} (${accepted.length} submissions accepted)\n`);

const stackTrace = /\n\s+at [^\n]*\(?[^\n]*:\d+:\d+\)?/;

/**
 * Sends a request until it gets an answer other than 503; each 503 must be the readable
 * "temporarily unavailable" page with Retry-After (the person is told to try again), which the
 * load's "person" then does with the same form (same one-time key).
 */
async function untilAnswered(send: () => request.Test, ok: number[], what: string): Promise<request.Response> {
  for (;;) {
    const res = await send();
    if (res.status === 503 && !abandon) {
      tryAgainAnswers++;
      if (
        !res.text.includes('Temporarily unavailable') ||
        res.headers['retry-after'] === undefined ||
        stackTrace.test(res.text)
      ) {
        unexpected.push(`${what}: unreadable 503: ${res.text.slice(0, 300)}`);
      }
      await sleep(100);
      continue;
    }
    if (!ok.includes(res.status)) unexpected.push(`${what}: ${res.status} ${res.text.slice(0, 300)}`);
    return res;
  }
}

const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';

type Accepted = { key: string; email: string; trackingId: string };
const accepted: Accepted[] = [];
/** Staff replies answered with 303, by ticket id. */
const replies = new Map<number, string[]>();
let stop = false;

async function customer(worker: number): Promise<void> {
  const agent = request.agent(t.app);
  for (let i = 0; !stop; i++) {
    const email = `c${worker}-${i}@example.net`;
    const page = await untilAnswered(() => agent.get('/helpdesk/tickets/new'), [200], 'ticket form');
    if (page.status !== 200) continue;
    const key = hidden(page.text, 'submission_key');
    const send = () =>
      agent
        .post(`/helpdesk/tickets/new?_csrf=${encodeURIComponent(csrfFrom(page.text))}`)
        .field('shown', hidden(page.text, 'shown'))
        .field('submission_key', key)
        .field('name', `Customer ${worker}-${i}`)
        .field('email', email)
        .field('category', '1')
        .field('subject', `Printer ${worker}-${i}`)
        .field('message', 'It stopped printing.');
    const res = await untilAnswered(send, [303], 'submission');
    const trackingId = /\/helpdesk\/tickets\/([A-Z0-9]{10})\/created/.exec(res.headers.location ?? '')?.[1];
    if (res.status === 303 && trackingId) accepted.push({ key, email, trackingId });
  }
}

async function staff(): Promise<void> {
  const agent = await signedInAgent(t, adminCredentials);
  for (let i = 0; !stop; i++) {
    const target = accepted[Math.floor(Math.random() * accepted.length)];
    if (!target) {
      await sleep(50);
      continue;
    }
    // The staff list would show the ticket; here its id comes from any node that answers.
    const row = await retryOnOutage(() =>
      t.db('tickets').where({ tracking_id: target.trackingId }).first<{ id: number }>('id'),
    );
    const id = Number(row!.id);
    const page = await untilAnswered(() => agent.get(`/admin/tickets/${id}`), [200], 'ticket page');
    if (page.status !== 200) continue;
    const key = /id="reply-form"[\s\S]*?name="submission_key" value="([a-f0-9]{32})"/.exec(page.text)?.[1] ?? '';
    const message = `Reply ${i}: try turning it off and on.`;
    const send = () =>
      agent
        .post(`/admin/tickets/${id}/reply?_csrf=${encodeURIComponent(csrfFrom(page.text))}`)
        .field('message', message)
        .field('seen', hidden(page.text, 'seen'))
        .field('submission_key', key);
    const res = await untilAnswered(send, [303], 'staff reply');
    if (res.status === 303) replies.set(id, [...(replies.get(id) ?? []), message]);
  }
}

async function retryOnOutage<T>(read: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await read();
    } catch (err) {
      if (abandon) throw err;
      await sleep(100);
    }
  }
}

/** The mail job as the web process runs it, through the same pool and its failovers. */
async function mailJob(until: () => boolean): Promise<void> {
  while (!until()) {
    try {
      await drainDueMail(t.services, { batchSize: 5 });
    } catch {
      // The node went away under the job: the next round runs on the next node.
    }
    await sleep(100);
  }
}

/** Waits for the load to get this far; an unexpected answer ends the wait at once. */
function loadReaches(condition: () => boolean, what: string): Promise<void> {
  return waitFor(
    () => {
      if (unexpected.length) throw new Error(`unexpected answers:\n${unexpected.join('\n')}`);
      return condition();
    },
    what,
    120_000,
  );
}

const countOn = async (db: Knex, table: string) =>
  Number((await db(table).count<Array<{ n: number }>>({ n: '*' }))[0]!.n);

test('a node killed under load and rejoining loses nothing, stores nothing twice, sends every mail, and never answers 500', async () => {
  const [first] = cluster.nodes as [GaleraNode, GaleraNode, GaleraNode];
  // Connections start on the first node of the list: that is the one to kill.
  expect(Number((await t.db.raw('SELECT @@port AS port'))[0][0].port)).toBe(first.port);

  let loadDone = false;
  const load = Promise.all([customer(1), customer(2), customer(3), staff()]);
  const job = mailJob(() => loadDone);
  try {
    await loadReaches(() => accepted.length >= 15 && replies.size >= 3, 'load before the failure');
    progress(`killing ${first.name}`);
    await cluster.kill(first);
    const atKill = accepted.length;
    const repliesAtKill = [...replies.values()].flat().length;
    await loadReaches(
      () => accepted.length >= atKill + 15 && [...replies.values()].flat().length >= repliesAtKill + 3,
      'load served by the other nodes',
    );

    progress(`restarting ${first.name}`);
    await cluster.start(first);
    await cluster.waitSynced(first);
    progress(`${first.name} rejoined`);
    const atRejoin = accepted.length;
    await loadReaches(() => accepted.length >= atRejoin + 10, 'load after the node rejoined');
  } finally {
    stop = true;
    // A failed run gives up at once instead of trying again against a cluster being removed.
    abandon = !(accepted.length > 0 && unexpected.length === 0 && cluster.nodes.every((n) => n.process));
    await (abandon ? load.catch(() => undefined) : load);
    loadDone = true;
    await job;
  }
  progress('load stopped');

  expect(unexpected).toEqual([]);

  // No accepted submission lost, none stored twice: one ticket per one-time key and address.
  const tickets = await t
    .db('tickets')
    .join('customers', 'customers.id', 'tickets.customer_id')
    .select<Array<{ tracking_id: string; email: string }>>('tickets.tracking_id', 'customers.email');
  expect(tickets.map((r) => r.tracking_id).sort()).toEqual(accepted.map((a) => a.trackingId).sort());
  expect(new Set(tickets.map((r) => r.email)).size).toBe(accepted.length);
  for (const [id, sent] of replies) {
    expect([
      id,
      (await t.db('messages').where({ ticket_id: id, kind: 'staff' }).orderBy('id').pluck('body')).sort(),
    ]).toEqual([id, [...sent].sort()]);
  }

  // Every queued mail goes out. A mail whose "accepted" the dead node never recorded is sent
  // again after its attempt lease, with the same Message-ID (docs/operations.md): advance the
  // clock past it and drain.
  t.clock.advance(deliveryPolicy.attemptLeaseMs + 60_000);
  await drainDueMail(t.services, { batchSize: 50 });
  const outbox = await t
    .db('mail_outbox')
    .select<Array<{ status: string; email_message_id: string; interrupted_attempts: number }>>(
      'status',
      'email_message_id',
      'interrupted_attempts',
    );
  expect(outbox.length).toBeGreaterThanOrEqual(accepted.length);
  expect(outbox.filter((m) => m.status !== 'sent')).toEqual([]);
  const received = await sink.waitFor(outbox.length, 60_000);
  const byMessageId = new Map<string, number>();
  for (const m of received) byMessageId.set(m.parsed.messageId!, (byMessageId.get(m.parsed.messageId!) ?? 0) + 1);
  expect(new Set(byMessageId.keys())).toEqual(
    new Set(outbox.map((m) => `<${m.email_message_id.replace(/^<|>$/g, '')}>`)),
  );
  const copies = [...byMessageId].filter(([, n]) => n > 1).map(([messageId]) => messageId);
  const interrupted = new Set(
    outbox
      .filter((m) => Number(m.interrupted_attempts) > 0)
      .map((m) => `<${m.email_message_id.replace(/^<|>$/g, '')}>`),
  );
  expect(copies.filter((c) => !interrupted.has(c))).toEqual([]);

  // The node that rejoined holds what was written while it was dead.
  const rejoined = first.connect('tessera');
  try {
    expect(await countOn(rejoined, 'tickets')).toBe(accepted.length);
    expect(await countOn(rejoined, 'messages')).toBe(await countOn(t.db, 'messages'));
  } finally {
    await rejoined.destroy();
  }
  // Printed for the report: how often the load was told to try again.
  console.log(
    `galera failover: ${accepted.length} submissions, ${[...replies.values()].flat().length} replies, ${tryAgainAnswers} "try again" answers, ${received.length} mails (${copies.length} deliberate copies)`,
  );
}, 480_000);

test('a certification conflict between two nodes is retried by the transaction helper', async () => {
  const [, second, third] = cluster.nodes as [GaleraNode, GaleraNode, GaleraNode];
  const id = Number((await t.db('tickets').first<{ id: number }>('id'))!.id);
  const onSecond = second.connect('tessera');
  const onThird = third.connect('tessera');
  try {
    let attempts = 0;
    let firstError: unknown;
    await withTransaction(onThird, async (trx) => {
      attempts++;
      await trx('tickets').where({ id }).update({ subject: 'Written on node 3' });
      // Node 2 commits a write of the same row while node 3's transaction is open: Galera's
      // certification aborts node 3's transaction with a deadlock error (1213).
      if (attempts === 1) await onSecond('tickets').where({ id }).update({ subject: 'Written on node 2' });
    }).catch((err: unknown) => {
      firstError = err;
    });
    expect(firstError).toBeUndefined();
    expect(attempts).toBe(2);
    // Galera applies other nodes' commits asynchronously: a causal read waits until node 2 has them.
    const seenOnSecond = await onSecond.transaction(async (trx) => {
      await trx.raw('SET SESSION wsrep_sync_wait = 1');
      return trx('tickets').where({ id }).first<{ subject: string }>('subject');
    });
    expect(seenOnSecond!.subject).toBe('Written on node 3');
  } finally {
    await onSecond.destroy();
    await onThird.destroy();
  }
});

test('a node cut off from the majority (wsrep_ready OFF) under open connections costs one failed query, then the next node serves', async () => {
  const portOf = async () =>
    Number((await t.db.raw('SELECT @@port AS port, (SELECT COUNT(*) FROM tickets) AS n'))[0][0].port);
  // Fill the pool with connections to the current node.
  await Promise.all([1, 2, 3, 4, 5].map(() => t.db.transaction(async (trx) => trx.raw('SELECT SLEEP(0.2)'))));
  const port = await portOf();
  const cutOff = cluster.nodes.find((n) => n.port === port)!;
  const admin = cutOff.connect();
  try {
    // The node stays up and keeps its connections, but leaves the primary component.
    await admin.raw("SET GLOBAL wsrep_provider_options = 'gmcast.isolate=1'");
    await waitFor(
      async () =>
        ((await admin.raw("SHOW GLOBAL STATUS LIKE 'wsrep_ready'")) as [Array<{ Value: string }>])[0][0]?.Value ===
        'OFF',
      `${cutOff.name} to leave the majority`,
    );
    const failures: unknown[] = [];
    let servedBy = port;
    for (let i = 0; i < 10; i++) {
      try {
        servedBy = await portOf();
      } catch (err) {
        failures.push(err);
      }
    }
    // The pooled connection that met the node first fails (1047); the list moves on and the
    // pool's other connections to it are dropped, not handed out to fail one by one.
    expect(failures.map((e) => (e as { errno?: number }).errno)).toEqual([1047]);
    expect(servedBy).not.toBe(port);
  } finally {
    await admin.raw("SET GLOBAL wsrep_provider_options = 'gmcast.isolate=0'").catch(() => undefined);
    await admin.destroy();
  }
});
