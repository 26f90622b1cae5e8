import fs from 'node:fs';
import request from 'supertest';
import { fromRoot } from '../../src/paths';
import { adminCredentials, staffCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { listFixtures } from '../helpers/staff-list';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
const f = listFixtures(() => t);
const languages = ['en', 'sk', 'ru', 'hu', 'lv'];
const decode = (s: string) =>
  s
    .replace(/<[^>]+>/g, '')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
/** A key shown as text: `ticket.due_changed`, `event.ticket_linked`, `activity.event.x`, `ticketExtras.event.x`… */
const rawKey = /\b(ticket|event|activity|message|privacy|ticketExtras|status|staffStatus|priority)\.[a-z_]+\b/;

/** Every event type the code records: the ticket events' union and the privacy service's own. */
function recordedTypes(): string[] {
  const union = fs
    .readFileSync(fromRoot('src', 'tickets', 'ticket-events.ts'), 'utf8')
    .split('export type TicketSubscriber')[0]!;
  const types = new Set([...union.matchAll(/'((?:ticket|message)\.[a-z_]+)'/g)].map((m) => m[1]!));
  for (const m of fs
    .readFileSync(fromRoot('src', 'privacy', 'privacy.service.ts'), 'utf8')
    .matchAll(/insertTicketEvent\([^,]+,[^,]+, '([a-z_.]+)'/g))
    types.add(m[1]!);
  return [...types].sort();
}

const dashboardLines = (html: string) =>
  [
    ...html.matchAll(
      /<span class="activity__what"><strong>([\s\S]*?)<\/strong> · ([\s\S]*?)<\/span>\s*<a class="activity__ticket"/g,
    ),
  ].map((m) => ({ actor: decode(m[1]!), what: decode(m[2]!) }));
const historyLines = (html: string) =>
  [...html.matchAll(/<li><time[^>]*>[^<]*<\/time> · ([\s\S]*?) <span class="muted">\(([^)]*)\)<\/span><\/li>/g)].map(
    (m) => ({ what: decode(m[1]!), actor: decode(m[2]!) }),
  );

test("the dashboard's latest activity words every event type like the ticket history, never a key, in every language", async () => {
  const admin = await f.staffAgent(adminCredentials);
  const { id: ticketId } = await f.ticket();
  const { tracking: otherTracking } = await f.ticket({ subject: 'The other one' });
  const sam = await f.staffId(staffCredentials.email);
  const ada = await f.staffId(adminCredentials.email);
  const billing = await f.category('Billing desk');
  const customer = Number((await t.db('tickets').where({ id: ticketId }).first('customer_id')).customer_id);
  const due = Date.UTC(2031, 4, 17, 9, 30);
  const staff = { actor_type: 'staff', actor_id: ada };
  const events: Array<[string, Record<string, unknown>, Record<string, unknown>?]> = [
    ['ticket.created', { messageId: 1 }, { actor_type: 'customer', actor_id: customer }],
    ['ticket.customer_replied', { messageId: 1 }, { actor_type: 'customer', actor_id: customer }],
    ['ticket.staff_replied', { messageId: 1 }],
    ['ticket.status_changed', { from: 'new', to: 'waiting' }, { actor_type: 'system', actor_id: null }],
    ['message.rated', { messageId: 1, rating: 1 }, { actor_type: 'customer', actor_id: customer }],
    ['ticket.note_added', { messageId: 1 }],
    ['ticket.assigned', { from: null, to: sam }],
    ['ticket.priority_changed', { from: 'normal', to: 'high' }],
    ['ticket.category_changed', { from: 1, to: billing }],
    ['ticket.merged', { from: 'ABCDEFGHJK', to: 'ABCDEFGHJM' }],
    ['ticket.escalated', { from: 'General', to: 'Billing desk', tier: 2, reason: 'Needs billing' }],
    ['ticket.field_changed', { field: 'Order number', from: null, to: '42' }],
    ['ticket.due_changed', { from: null, to: due }],
    ['ticket.time_logged', { minutes: 95, note: 'Phone call' }],
    ['ticket.linked', { other: otherTracking }],
    ['ticket.unlinked', { other: otherTracking }],
    ['ticket.tag_added', { tag: 'vip' }],
    ['ticket.tag_removed', { tag: 'vip' }],
    ['privacy.anonymized', {}],
  ];
  expect(events.map(([type]) => type).sort()).toEqual(recordedTypes());

  // The dashboard shows the latest 15: the events go in two rounds.
  for (const round of [events.slice(0, 10), events.slice(10)]) {
    await t.db('ticket_events').del();
    const now = t.clock.now();
    await t.db('ticket_events').insert(
      round.map(([type, data, actor], i) => ({
        ticket_id: ticketId,
        type,
        data: JSON.stringify(data),
        created_at: now - 60_000 + i,
        ...staff,
        ...actor,
      })),
    );
    for (const lng of languages) {
      const dashboard = await admin.get(`/admin?lang=${lng}`).expect(200);
      const lines = dashboardLines(dashboard.text);
      expect(lines).toHaveLength(round.length);
      for (const line of lines) expect(`${lng}: ${line.actor} · ${line.what}`).not.toMatch(rawKey);
      // The same words as the ticket's history, line for line (the dashboard is newest first).
      const history = historyLines((await admin.get(`/admin/tickets/${ticketId}?lang=${lng}`).expect(200)).text);
      expect(lines.reverse()).toEqual(history);
      if (lng === 'en') {
        const text = lines.map((l) => `${l.actor} · ${l.what}`).join('\n');
        if (round[0]![0] === 'ticket.created') {
          expect(text).toContain('Owner: Unassigned → Sam Staff');
          expect(text).toContain('Category: General → Billing desk');
          expect(text).toContain('system · Status: New → Waiting for customer');
        } else {
          expect(text).toContain('Due date: No due date → 5/17/31');
          expect(text).toContain(`Linked to: ${otherTracking.slice(0, 3)}`);
          expect(text).toContain('Escalated: General → Billing desk — Needs billing');
        }
      }
    }
  }
});

test("staff pages word the built-in statuses from the desk's side; the customer keeps theirs; custom statuses keep their names", async () => {
  const admin = await f.staffAgent(adminCredentials);
  const customer = request.agent(t.app);
  const tracking = await openTicket(t, customer);
  const ticket = await t.db('tickets').where({ tracking_id: tracking }).first('id');
  const waiting = await t.db('statuses').where({ key: 'waiting' }).first('id');
  await t.db('tickets').where({ id: ticket.id }).update({ status_id: waiting.id });
  await t.db('statuses').insert({
    key: 'with_vendor',
    name: 'With the vendor',
    color: '#445566',
    is_open: true,
    customer_settable: false,
    is_builtin: false,
    sort_order: 50,
  });
  t.services.catalog.invalidate();

  const staffTexts: Record<string, [string, string]> = {
    en: ['Waiting for customer', 'Answered by us'],
    sk: ['Čaká na zákazníka', 'Odpovedali sme'],
    ru: ['Ожидает ответа клиента', 'Мы ответили'],
    hu: ['Az ügyfélre vár', 'Megválaszoltuk'],
    lv: ['Gaida klienta atbildi', 'Mēs atbildējām'],
  };
  const customerTexts: Record<string, [string, string]> = {
    en: ['Waiting for you', 'Answered'],
    sk: ['Čaká na vás', 'Zodpovedaný'],
    ru: ['Ожидает вашего ответа', 'Получен ответ'],
    hu: ['Önre vár', 'Megválaszolva'],
    lv: ['Gaida jūsu atbildi', 'Atbildēts'],
  };
  const esc = (s: string) => s.replace(/'/g, '&#39;');
  for (const lng of languages) {
    const [staffWaiting, staffReplied] = staffTexts[lng]!;
    const [customerWaiting, customerReplied] = customerTexts[lng]!;
    // The ticket page (badge and the status select), the list (filter chips, bulk values, badges), the print view.
    const page = (await admin.get(`/admin/tickets/${ticket.id}?lang=${lng}`).expect(200)).text;
    const list = (await admin.get(`/admin/tickets?lang=${lng}`).expect(200)).text;
    const print = (await admin.get(`/admin/tickets/${ticket.id}/print?lang=${lng}`).expect(200)).text;
    for (const [where, html] of [
      ['ticket', page],
      ['list', list],
      ['print', print],
    ] as const) {
      expect(`${lng} ${where}: ${html.includes(esc(staffWaiting))}`).toBe(`${lng} ${where}: true`);
      expect(`${lng} ${where}: ${html.includes(`>${esc(customerWaiting)}<`)}`).toBe(`${lng} ${where}: false`);
    }
    for (const [where, html] of [
      ['ticket', page],
      ['list', list],
    ] as const) {
      expect(`${lng} ${where}: ${html.includes(esc(staffReplied))} ${html.includes('With the vendor')}`).toBe(
        `${lng} ${where}: true true`,
      );
      expect(`${lng} ${where}: ${html.includes(`>${esc(customerReplied)}<`)}`).toBe(`${lng} ${where}: false`);
    }
    // The customer's own page keeps the customer's wording.
    const mine = (await customer.get(`/helpdesk/tickets/${tracking}?lang=${lng}`).expect(200)).text;
    expect(`${lng}: ${mine.includes(esc(customerWaiting))} ${mine.includes(esc(staffWaiting))}`).toBe(
      `${lng}: true false`,
    );
  }
  // An admin-given name for a built-in status wins on staff pages too.
  await t
    .db('statuses')
    .where({ key: 'waiting' })
    .update({ names: JSON.stringify({ en: 'Ball in their court' }) });
  t.services.catalog.invalidate();
  expect((await admin.get(`/admin/tickets/${ticket.id}?lang=en`).expect(200)).text).toContain('Ball in their court');
});
