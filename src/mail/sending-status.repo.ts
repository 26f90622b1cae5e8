import type { Knex } from 'knex';

/**
 * What the outbox says about the mail server lately, from short lookups on its indexes:
 * - failing: the newest mail waiting for another try because the server itself failed (not its
 *   one recipient) has no later mail that an SMTP server accepted since;
 * - everSent: an SMTP server has accepted a mail.
 */
export async function outboxSendingEvidence(db: Knex): Promise<{ retrying: boolean; everSent: boolean }> {
  const [waiting, sent] = await Promise.all([
    db('mail_outbox').where({ status: 'deferred', deferred_server_wide: true }).orderBy('id', 'desc').first('id'),
    db('mail_outbox').where({ status: 'sent', sent_via: 'smtp' }).first('id'),
  ]);
  if (!waiting) return { retrying: false, everSent: sent !== undefined };
  // Only the mails queued after the waiting one are read (a primary-key range).
  const laterSent = await db('mail_outbox').where('id', '>', waiting.id).where({ status: 'sent', sent_via: 'smtp' }).first('id');
  return { retrying: laterSent === undefined, everSent: sent !== undefined };
}
