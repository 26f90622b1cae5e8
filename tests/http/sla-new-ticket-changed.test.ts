/**
 * A ticket created and changed in one transaction: the escalation schedule's shortcut for a new
 * ticket (nothing of it to read) must not skip a clock that a later change in the same
 * transaction starts. No policy fits the new ticket (the only one is for another category);
 * moving it into that category in the transaction of its `ticket.created` starts its clocks, and
 * its first escalation must be planned. (No path does this today; the shortcut must not rely on it.)
 */
import { withTransaction } from '../../src/db/transaction';
import { createTicket } from '../../src/tickets/ticket-create.service';
import { findTicketById } from '../../src/tickets/tickets.repo';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { policyWithRaise } from '../helpers/sla';

let t: InstalledApp;
useInstalledApp((app) => (t = app));

test('a ticket no policy fits, moved in its creating transaction into a category with one, gets its clocks and first escalation', async () => {
  const now = t.clock.now();
  const from = Number((await t.db('categories').orderBy('id').first('id')).id);
  const row = { tier: 1, is_public: true, sort_order: 2, is_active: true, created_at: now, updated_at: now };
  await t.db('categories').insert({ ...row, name: 'Contracts' });
  const to = Number((await t.db('categories').where({ name: 'Contracts' }).first('id')).id);
  await policyWithRaise(t, 'Second category only', { category: String(to) });

  const made = await createTicket(t.services, {
    customer: { name: 'Moved Early', email: 'moved@example.net', language: 'en' },
    categoryId: from,
    priorityKey: null,
    subject: 'Filed in the wrong place',
    body: 'Moved to the right category in the transaction that made it.',
    fieldValues: [],
    files: [],
    source: 'staff',
    ip: null,
    submissionKey: null,
  });
  const ticketId = made.ticket.id;
  expect(await t.db('sla_clocks').where({ ticket_id: ticketId })).toEqual([]);
  // What a creating path that also moves the ticket would publish, in one transaction (createTicket
  // publishes its own event inside its transaction, so the two are replayed here on one).
  await withTransaction(t.db, async (trx) => {
    await t.services.events.publish(
      trx,
      {
        type: 'ticket.created',
        ticket: made.ticket,
        messageId: made.created ? made.messageId : 0,
        actor: { type: 'system', id: null },
      },
      t.clock.now(),
    );
    await trx('tickets').where({ id: ticketId }).update({ category_id: to });
    const moved = (await findTicketById(trx, ticketId))!;
    await t.services.events.publish(
      trx,
      { type: 'ticket.category_changed', ticket: moved, from, to, actor: { type: 'system', id: null } },
      t.clock.now(),
    );
  });

  expect((await t.db('sla_clocks').where({ ticket_id: ticketId })).length).toBeGreaterThan(0);
  const due = await t.db('sla_escalation_due').where({ ticket_id: ticketId });
  expect(due).toHaveLength(1);
  expect(due[0].next_at).not.toBeNull();
});
