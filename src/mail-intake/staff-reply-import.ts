import type { Settings } from '../settings/settings.schema';
import {
  auditStaffReplyRefusal,
  deliverStaffReply,
  staffReplyDigest,
  staffReplyReplayWindowMs,
} from '../staff-mail/deliver-staff-reply';
import { recentReplyDigest } from '../staff-mail/staff-mail.repo';
import type { StaffReplyCheck } from '../staff-mail/staff-reply-check';
import { keepAside, type Recorder, result } from './intake-record';
import type { ImportResult, ImportRun, IntakeDeps } from './intake-types';
import type { IncomingMail } from './parse-mail';
import { storeChecked } from './store-checked';

/** Why a staff answer is kept aside when the same one was posted minutes ago. */
const replayReason = 'staff_reply_replayed';

/** A staff member's answer by e-mail (src/staff-mail): added as their reply, or kept aside with the reason and audited. */
export async function importStaffReply(
  deps: IntakeDeps,
  raw: Buffer,
  recorder: Recorder,
  mail: IncomingMail,
  settings: Settings,
  check: StaffReplyCheck,
  run: ImportRun,
): Promise<ImportResult> {
  const now = deps.clock.now();
  if (check.kind === 'refused') {
    return keepAside(deps, recorder, raw, check.reason, check.detail, (trx) =>
      auditStaffReplyRefusal(trx, check.claim, check.reason, mail.from!.address, now),
    );
  }
  // The same answer again under a new Message-ID within minutes (a replay, a client sending twice)
  // is not posted twice; it is kept aside with its raw mail, and staff who retry it post it.
  const digest = staffReplyDigest(check.ticket.id, check.staff.id, mail);
  const replayAccepted = run.retriedReason === replayReason;
  if (!replayAccepted && (await recentReplyDigest(deps.db, digest, now - staffReplyReplayWindowMs))) {
    const detail = `the same answer from staff member #${check.staff.id} was added to ticket #${check.ticket.id} less than ${staffReplyReplayWindowMs / 60_000} minutes ago; retry it if it is a second answer`;
    return keepAside(deps, recorder, raw, replayReason, detail, (trx) =>
      auditStaffReplyRefusal(trx, check.claim, replayReason, mail.from!.address, now),
    );
  }
  return storeChecked(
    deps,
    raw,
    recorder,
    mail,
    settings,
    check.staff.language,
    async ({ body, files, record, recorded }) => {
      const stored = await deliverStaffReply(
        deps,
        {
          ticket: check.ticket,
          staff: check.staff,
          body,
          files,
          emailMessageId: mail.messageId,
          digest,
          replayAccepted,
        },
        record,
        recorded,
      );
      return result('replied', stored.inboundId, stored.ticketId, 'staff_reply');
    },
  );
}
