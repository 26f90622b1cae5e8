import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { recordAudit } from '../audit/audit.repo';
import { withTransaction } from '../db/transaction';
import { raiseReplyKeyVersion } from './staff-mail.repo';

/**
 * "Revoke my reply addresses" on the profile page: a staff member who fears a notice was
 * forwarded or leaked kills every signed reply address handed out to them so far. Notices sent
 * from now on carry new ones. Audited, in one transaction with the change.
 */
export async function revokeReplyAddresses(
  deps: { db: Db; clock: Clock },
  staff: { id: number; name: string },
  ip: string,
): Promise<void> {
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    await raiseReplyKeyVersion(trx, staff.id);
    await recordAudit(
      trx,
      { actor: staff, action: 'staff.reply_addresses_revoked', target: { type: 'staff', id: staff.id }, ip },
      now,
    );
  });
}
