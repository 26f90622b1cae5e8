import type { Knex } from 'knex';
import { isBanned } from '../bans/ban-check';
import { listBans } from '../bans/bans.repo';
import { hitWindowCounter } from '../db/window-counter';
import type { Settings } from '../settings/settings.schema';
import type { SettingsService } from '../settings/settings.service';
import { mailboxAddresses } from '../mailboxes/mailboxes.repo';
import { markOutboxBounced } from '../mail/outbox.repo';
import { readCounter } from '../security/rate-limit.repo';
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
 * marks the outbound mail it reports as bounced, in the refusal's transaction) or a banned
 * sender. The flood limit is checked when the mail is stored (floodRefusal), inside that
 * transaction: no commit of its own per mail (floodedAlready looks first, read only). The bans and
 * the mailboxes' addresses are kept beside the settings: their writers count up its revision.
 */
export async function refusalOf(
  deps: { settings: SettingsService },
  mail: IncomingMail,
  raw: Buffer,
  settings: Settings,
): Promise<RefusalDecision | null> {
  // The fetched mailboxes' own addresses too: our notification to one of them must not loop.
  const loop = loopOrJunk(mail, [
    ...ownAddresses(settings),
    ...(await deps.settings.beside('mailbox-addresses', mailboxAddresses)),
  ]);
  if (loop?.reason === 'bounce' || (loop?.reason === 'mailer_daemon' && /multipart\/report/.test(mail.contentType))) {
    const report = readDeliveryReport(raw, mail);
    return {
      reason: 'bounce',
      detail: report.diagnostic,
      inTransaction: async (trx) =>
        void (await markOutboxBounced(trx, report.originalIds, report.diagnostic, report.recipients)),
    };
  }
  if (loop) return loop;
  const sender = mail.from!.address;
  if (isBanned(await deps.settings.beside('bans', listBans), { email: sender }))
    return { reason: 'banned', detail: sender };
  return null;
}

/**
 * Counts a mail that is being stored towards its sender's flood limit (N mails in M minutes,
 * counted in the database for every process) and says whether it is over. Called inside the
 * transaction that stores the mail: a mail that is not stored (a duplicate, a failure) is not
 * counted, and a refused one is counted with its refusal record.
 */
export async function floodRefusal(
  trx: Knex,
  sender: string,
  settings: Settings,
  now: number,
): Promise<RefusalDecision | null> {
  const hits = await hitWindowCounter(trx, floodBucket(sender), floodWindowMs(settings), now);
  return hits.hits <= settings['intake.senderMaxMails'] ? null : floodDecision(hits.hits, sender, settings);
}

/**
 * The cheap look before the expensive work (file checks, keeping the raw mail, the storing
 * transaction): a sender already at the limit is refused at once. Read only; the count that
 * decides stays floodRefusal's, in the storing transaction (the refusal counts this mail).
 */
export async function floodedAlready(
  db: Knex,
  sender: string,
  settings: Settings,
  now: number,
): Promise<RefusalDecision | null> {
  const counter = await readCounter(db, floodBucket(sender));
  if (!counter || counter.resetAt <= now || counter.hits < settings['intake.senderMaxMails']) return null;
  return {
    ...floodDecision(counter.hits + 1, sender, settings),
    inTransaction: async (trx) => void (await floodRefusal(trx, sender, settings, now)),
  };
}

const floodBucket = (sender: string) => `mail-in:${sender.slice(0, 150)}`;
const floodWindowMs = (settings: Settings) => settings['intake.senderWindowMinutes'] * 60_000;
const floodDecision = (hits: number, sender: string, settings: Settings): RefusalDecision => ({
  reason: 'flood',
  detail: `${hits} mails from ${sender} within ${settings['intake.senderWindowMinutes']} minutes`,
});
