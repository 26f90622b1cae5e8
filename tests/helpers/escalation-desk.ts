import request from 'supertest';
import { dueEscalations } from '../../src/sla/escalation-due.repo';
import { writeSettings } from '../../src/settings/settings.repo';
import { adminCredentials, csrfFrom, signIn, useInstalledApp, type InstalledApp } from './installed-app';
import { openTicket } from './portal';

// The escalation batch tests' help desk: one SLA policy whose first response (one hour, high and urgent)
// has four levels doing every kind of work (a mail to a named person at 50 %, a priority raise at 80 %,
// a reassignment and a mail to the new owner at 100 %), and what the tests compare tickets by.

let t: InstalledApp;
/** The desk of the test file, once its hooks ran. */
export const desk = {
  get t() {
    return t;
  },
  get adminAgent() {
    return adminAgent;
  },
  get adminToken() {
    return adminToken;
  },
  get policyId() {
    return policyId;
  },
  get priorities(): Readonly<Record<string, number>> {
    return priorities;
  },
};

export const MIN = 60_000;
export const HOUR = 3600_000;
export const setClock = (at: number) => t.clock.advance(at - t.clock.now());
let adminAgent: request.Agent;
let adminToken = '';
let policyId = 0;
const priorities: Record<string, number> = {};

/** A new admin session: each group of tickets moves the test clock hours on, past the session's timeouts. */
export async function signInAdmin(): Promise<void> {
  adminAgent = request.agent(t.app);
  expect((await signIn(adminAgent, adminCredentials)).status).toBe(303);
  adminToken = csrfFrom((await adminAgent.get('/admin/sla').expect(200)).text);
}

export async function highTickets(n: number): Promise<number[]> {
  setClock(Math.ceil((t.clock.now() + 1) / MIN) * MIN + HOUR); // a new minute: every ticket of the group (5 s apart) is due in the same one
  await signInAdmin();
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const tracking = await openTicket(t, request.agent(t.app), {
      subject: `Batch escalation ${i}`,
      email: `batch${i}@example.net`,
      message: `Nothing works since ${i} o'clock.`,
    });
    const id = Number((await t.db('tickets').where({ tracking_id: tracking }).first<{ id: number }>('id'))!.id);
    await adminAgent
      .post(`/admin/tickets/${id}/properties`)
      .type('form')
      .send({ _csrf: adminToken, priority: 'high' })
      .expect(303);
    ids.push(id);
  }
  setClock(t.clock.now() + 2 * HOUR); // past every level of the one-hour first response
  await markMails();
  return ids;
}

/** The last mail queued before escalating: a trace compares only what escalating queued. */
let mailsBefore = 0;
const markMails = async () =>
  (mailsBefore = Number((await t.db('mail_outbox').max<Array<{ id: number | null }>>({ id: 'id' }))[0]!.id ?? 0));

export type Trace = { events: string[]; mails: string[]; priority: string; ownerId: number | null; done: number };
/** What escalating did to a ticket, with its own ids and tracking ID taken out, to compare tickets. */
export async function traceOf(ticketId: number): Promise<Trace> {
  const ticket = (await t
    .db('tickets as t')
    .join('priorities as p', 'p.id', 't.priority_id')
    .where('t.id', ticketId)
    .first<{ tracking_id: string; key: string; owner_id: number | null }>('t.tracking_id', 'p.key', 't.owner_id'))!;
  // The tracking ID also appears in groups (ABC-DE-FGH): any dashes between its characters.
  const tracking = new RegExp([...ticket.tracking_id].join('-?'), 'g');
  const own = (s: string) =>
    s.replace(tracking, 'TRACKING').split(`/tickets/${ticketId}`).join('/tickets/ID').replace(/\d+/g, '#');
  const since = (
    await t
      .db('ticket_events')
      .where({ ticket_id: ticketId, type: 'sla.escalated' })
      .min<Array<{ id: number }>>({ id: 'id' })
  )[0]!.id;
  const events = await t
    .db('ticket_events')
    .where({ ticket_id: ticketId })
    .andWhere('id', '>=', since ?? 0)
    .orderBy('id')
    .select<Array<{ type: string; data: string }>>('type', 'data');
  const mails = await t
    .db('mail_outbox')
    .where({ ticket_id: ticketId })
    .andWhere('id', '>', mailsBefore)
    .orderBy('id')
    .select<Array<{ template: string; to_address: string; subject: string; body_text: string; body_html: string }>>(
      'template',
      'to_address',
      'subject',
      'body_text',
      'body_html',
    );
  const done = Number(
    (await t.db('sla_escalations_done').where({ ticket_id: ticketId }).count<Array<{ n: number }>>({ n: '*' }))[0]!.n,
  );
  return {
    events: events.map((e) => `${e.type} ${own(e.data)}`),
    mails: mails.map((m) => own([m.template, m.to_address, m.subject, m.body_text, m.body_html].join('\n'))),
    priority: ticket.key,
    ownerId: ticket.owner_id === null ? null : Number(ticket.owner_id),
    done,
  };
}
export const dueOf = async (ids: number[]) => {
  const clockIds = new Set((await t.db('sla_escalation_due').whereIn('ticket_id', ids).pluck('clock_id')).map(Number));
  return (await dueEscalations(t.db, t.clock.now(), 1000)).filter((d) => clockIds.has(d.clockId));
};

/** Installs the desk for the test file (its hooks) and sets the policy up. */
export function useEscalationDesk(): void {
  useInstalledApp((app) => (t = app), { freshRateLimits: true });
  beforeAll(setUpPolicy);
}

async function setUpPolicy(): Promise<void> {
  setClock(Date.UTC(2026, 11, 1, 6));
  // Every ticket comes from 127.0.0.1: allow a busy minute's worth an hour.
  await writeSettings(t.db, { 'spam.submissionsPerHour': 1000 }, t.clock.now());
  await signInAdmin();
  const priority = async (key: string) =>
    Number((await t.db('priorities').where({ key }).first<{ id: number }>('id'))!.id);
  const [high, urgent] = [await priority('high'), await priority('urgent')];
  Object.assign(priorities, { high, urgent });
  const adminId = Number(
    (await t.db('staff_users').where({ email: adminCredentials.email }).first<{ id: number }>('id'))!.id,
  );
  await adminAgent
    .post('/admin/sla/policies')
    .type('form')
    .send({
      _csrf: adminToken,
      name: 'High',
      position: '1',
      [`first_${high}`]: '1:00',
      [`first_${urgent}`]: '1:00',
      is_active: 'yes',
    })
    .expect(303);
  policyId = Number((await t.db('sla_policies').first<{ id: number }>('id'))!.id);
  const add = (percent: string, action: string, staff = '') =>
    adminAgent
      .post(`/admin/sla/policies/${policyId}/escalations`)
      .type('form')
      .send({
        _csrf: adminToken,
        level_kind: 'first',
        level_percent: percent,
        level_action: action,
        level_staff: staff,
      })
      .expect(303);
  // Every kind of work in one pass: a mail to a named person, a priority raise, a reassignment and a mail to the new owner.
  await add('50', 'notify_staff', String(adminId));
  await add('80', 'raise_priority');
  await add('100', 'reassign', String(adminId));
  await add('100', 'notify_owner');
}

/** A ticket's clocks and schedule, in times relative to its creation, to compare tickets. */
export async function clockStateOf(ticketId: number) {
  const ticket = (await t
    .db('tickets')
    .where({ id: ticketId })
    .first<{ created_at: number; sla_due_at: number | null }>('created_at', 'sla_due_at'))!;
  const at = (v: number | string | null) => (v === null ? null : Number(v) - Number(ticket.created_at));
  const clocks = await t
    .db('sla_clocks')
    .where({ ticket_id: ticketId })
    .orderBy('kind')
    .select<Array<Record<string, number | string | null>>>(
      'id',
      'kind',
      'target_ms',
      'used_ms',
      'started_at',
      'running_since',
      'due_at',
      'met_at',
      'breached_at',
    );
  const schedule = await t
    .db('sla_escalation_due')
    .where({ ticket_id: ticketId })
    .select<Array<{ clock_id: number; next_at: number | string }>>('clock_id', 'next_at');
  return {
    slaDueAt: at(ticket.sla_due_at),
    clocks: clocks.map((c) => ({
      kind: c.kind,
      target: Number(c.target_ms),
      used: Number(c.used_ms),
      ...Object.fromEntries(
        ['started_at', 'running_since', 'due_at', 'met_at', 'breached_at'].map((k) => [k, at(c[k]!)]),
      ),
      nextAt: at(schedule.find((r) => Number(r.clock_id) === Number(c.id))?.next_at ?? null),
    })),
  };
}

/** How many statements `run` sent that match `pattern`. */
export async function statementsLike(pattern: RegExp, run: () => Promise<unknown>): Promise<number> {
  let reads = 0;
  const listen = (q: { sql: string }) => void (pattern.test(q.sql) && (reads += 1));
  t.db.on('query', listen);
  try {
    await run();
  } finally {
    t.db.removeListener('query', listen);
  }
  return reads;
}
/** How many times `run` read the policy list (each clock re-sync reads it once). */
export const policyListReads = (run: () => Promise<unknown>) => statementsLike(/from .sla_policies. order by/i, run);
/** How many ticket UPDATEs that set a priority `run` sent. */
export const priorityUpdates = (run: () => Promise<unknown>) =>
  statementsLike(/^update .tickets. set .priority_id./i, run);
/** How many statements that write SLA clocks `run` sent (a re-sync writes its clocks together). */
export const clockWrites = (run: () => Promise<unknown>) =>
  statementsLike(/^(insert into|update|delete from) .sla_clocks./i, run);
