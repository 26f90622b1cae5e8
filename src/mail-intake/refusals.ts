import type { Knex } from 'knex';
import { isBanned } from '../bans/ban-check';
import { listBans } from '../bans/bans.repo';
import type { Db } from '../db/db';
import { hitWindowCounter } from '../db/window-counter';
import type { Clock } from '../clock';
import type { Settings } from '../settings/settings.schema';
import { mailboxAddresses } from '../mailboxes/mailboxes.repo';
import { markOutboxBounced } from '../mail/outbox.repo';
import { readDeliveryReport } from './bounce';
import { loopOrJunk } from './loop-guard';
import type { IncomingMail } from './parse-mail';

export type RefusalDecision = { reason: string; detail: string; inTransaction?: (trx: Knex) => Promise<void> };

/** Our own addresses: mail from them is a loop (our own notification come back). */
export function ownAddresses(settings: Settings): string[] {
  return [settings['helpdesk.email'], settings['mail.fromAddress']].map((a) => a.trim().toLowerCase()).filter(Boolean);
}

/**
 * Why a mail is refused, or null to import it: loops and junk (loop-guard.ts), a bounce (which
 * marks the outbound mail it reports as bounced, in the refusal's transaction), a banned sender,
 * or a sender over the flood limit (N mails in M minutes, counted in the database for every
 * process). Only mail that passed the other checks counts towards the flood limit.
 */
export async function refusalOf(deps: { db: Db; clock: Clock }, mail: IncomingMail, raw: Buffer, settings: Settings): Promise<RefusalDecision | null> {
  // The fetched mailboxes' own addresses too: our notification to one of them must not loop.
  const loop = loopOrJunk(mail, [...ownAddresses(settings), ...(await mailboxAddresses(deps.db))]);
  if (loop?.reason === 'bounce' || (loop?.reason === 'mailer_daemon' && /multipart\/report/.test(mail.contentType))) {
    const report = readDeliveryReport(raw, mail);
    return { reason: 'bounce', detail: report.diagnostic, inTransaction: async (trx) => void (await markOutboxBounced(trx, report.originalIds, report.diagnostic, report.recipients)) };
  }
  if (loop) return loop;
  const sender = mail.from!.address;
  if (isBanned(await listBans(deps.db), { email: sender })) return { reason: 'banned', detail: sender };
  const now = deps.clock.now();
  const windowMs = settings['intake.senderWindowMinutes'] * 60_000;
  const hits = await hitWindowCounter(deps.db, `mail-in:${sender.slice(0, 150)}`, windowMs, now);
  if (hits.hits > settings['intake.senderMaxMails']) return { reason: 'flood', detail: `${hits.hits} mails from ${sender} within ${settings['intake.senderWindowMinutes']} minutes` };
  return null;
}
