import type { Knex } from 'knex';
import { customerTicketTemplates } from '../../src/mail/delivery-state';
import { ticketThread } from '../../src/mail/thread.repo';
import { maxReferences } from '../../src/mail/threading';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { importMail, simpleMail } from '../helpers/mail-intake';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

/** The thread as four separate reads (what ticketThread did before it became one UNION ALL statement). */
async function referenceThread(db: Knex, ticketId: number) {
  const first = await db('messages').where({ ticket_id: ticketId }).orderBy('id').first('kind', 'email_message_id');
  const firstOurs = await db('mail_outbox')
    .where({ ticket_id: ticketId })
    .whereIn('template', customerTicketTemplates)
    .orderBy('id')
    .first('email_message_id');
  const ours = await db('mail_outbox')
    .where({ ticket_id: ticketId })
    .whereIn('template', customerTicketTemplates)
    .orderBy('id', 'desc')
    .limit(maxReferences)
    .select('email_message_id', 'created_at');
  const theirs = await db('messages')
    .where({ ticket_id: ticketId })
    .whereNotNull('email_message_id')
    .orderBy('id', 'desc')
    .limit(maxReferences)
    .select('email_message_id', 'created_at');
  const root = (first?.kind === 'customer' ? first.email_message_id : null) ?? firstOurs?.email_message_id ?? null;
  const recent = [...theirs.reverse(), ...ours.reverse()]
    .filter((r) => r.email_message_id)
    .map((r) => ({ messageId: r.email_message_id as string, at: Number(r.created_at) }));
  return { root, recent };
}

async function copyRow(table: string, id: number, changes: Record<string, unknown>): Promise<void> {
  // body_tsv: PostgreSQL's generated search column, which takes no value of its own.
  const { id: _id, body_tsv: _tsv, ...row } = await t.db(table).where({ id }).first();
  await t.db(table).insert({ ...row, ...changes });
}

test('the one-statement thread is the thread of the four reads: roots, order and limits, on a long ticket', async () => {
  const made = await importMail(t, simpleMail({ from: 'thread@example.org', messageId: '<thread-1@example.org>' }));
  const ticketId = made.ticketId!;
  const other = (await importMail(t, simpleMail({ from: 'other@example.org', messageId: '<other-1@example.org>' })))
    .ticketId!;
  expect(await ticketThread(t.db, ticketId)).toEqual(await referenceThread(t.db, ticketId));
  expect((await ticketThread(t.db, ticketId)).root).toBe('<thread-1@example.org>');

  const message = await t.db('messages').where({ ticket_id: ticketId }).first('id');
  const ack = await t
    .db('mail_outbox')
    .where({ ticket_id: ticketId, template: 'ticket_received' })
    .first('id', 'created_at');
  const staffNotice = await t
    .db('mail_outbox')
    .where({ ticket_id: ticketId, template: 'staff_new_ticket' })
    .first('id');
  // Interleaved in time, some at the same moment, more than the limit of each kind, and a staff mail that is not part of it.
  for (let i = 1; i <= maxReferences + 3; i++) {
    const at = Number(ack.created_at) + Math.floor(i / 2) * 1000;
    await copyRow('messages', message.id, {
      email_message_id: i % 4 === 0 ? null : `<m${i}@example.org>`,
      created_at: at,
    });
    await copyRow('mail_outbox', ack.id, { email_message_id: `<o${i}@help.example>`, created_at: at });
    await copyRow('mail_outbox', staffNotice.id, { email_message_id: `<s${i}@help.example>`, created_at: at });
  }
  const thread = await ticketThread(t.db, ticketId);
  expect(thread).toEqual(await referenceThread(t.db, ticketId));
  expect(thread.recent.filter((m) => m.messageId.startsWith('<o'))).toHaveLength(maxReferences);
  expect(thread.recent.some((m) => m.messageId.startsWith('<s'))).toBe(false);
  // Another ticket's mails stay out.
  expect((await ticketThread(t.db, other)).recent.map((m) => m.messageId)).not.toContain('<m1@example.org>');
  expect(await ticketThread(t.db, other)).toEqual(await referenceThread(t.db, other));
});

test('a ticket opened on the web (no mail of the customer): the root is our first mail, or nothing yet', async () => {
  const made = await importMail(t, simpleMail({ from: 'web@example.org', messageId: '<web-1@example.org>' }));
  await t.db('messages').where({ ticket_id: made.ticketId }).update({ email_message_id: null });
  const thread = await ticketThread(t.db, made.ticketId!);
  expect(thread).toEqual(await referenceThread(t.db, made.ticketId!));
  expect(thread.root).toMatch(/@/);
  await t.db('mail_outbox').where({ ticket_id: made.ticketId }).del();
  expect(await ticketThread(t.db, made.ticketId!)).toEqual({ root: null, recent: [] });
});
