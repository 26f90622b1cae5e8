import type { Knex } from 'knex';

/**
 * What the outbox says about the mail server lately, from short lookups on its indexes:
 * - failing: the newest mail waiting for another try because the server itself failed (not its
 *   one recipient) has no mail among the next 50 that an SMTP server accepted;
 * - everSent: an SMTP server has accepted a mail.
 */
export async function outboxSendingEvidence(db: Knex): Promise<{ retrying: boolean; everSent: boolean }> {
  const [waiting, sent] = await Promise.all([
    db('mail_outbox').where({ status: 'deferred', deferred_server_wide: true }).orderBy('id', 'desc').first('id'),
    db('mail_outbox').where({ status: 'sent', sent_via: 'smtp' }).first('id'),
  ]);
  if (!waiting) return { retrying: false, everSent: sent !== undefined };
  // The next mails after the waiting one by primary key (a bounded range, whatever the outbox size).
  const later = await db('mail_outbox')
    .where('id', '>', waiting.id)
    .orderBy('id')
    .limit(50)
    .select('status', 'sent_via');
  const laterSent = later.find(
    (m: { status: string; sent_via: string | null }) => m.status === 'sent' && m.sent_via === 'smtp',
  );
  return { retrying: laterSent === undefined, everSent: sent !== undefined };
}
