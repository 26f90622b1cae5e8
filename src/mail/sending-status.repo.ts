import type { Knex } from 'knex';

/**
 * What the outbox says about the mail server lately, from two short lookups on the status index:
 * a mail waiting for another try after a failed one means sending is failing now; a mail an SMTP
 * server accepted means it has worked.
 */
export async function outboxSendingEvidence(db: Knex): Promise<{ retrying: boolean; everSent: boolean }> {
  const [retrying, sent] = await Promise.all([
    db('mail_outbox').where({ status: 'deferred' }).where('attempts', '>', 0).first('id'),
    db('mail_outbox').where({ status: 'sent', sent_via: 'smtp' }).first('id'),
  ]);
  return { retrying: retrying !== undefined, everSent: sent !== undefined };
}
