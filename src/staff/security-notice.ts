import type { Trx } from '../db/db';
import { queueMail, type QueueMailDeps } from '../mail/mail.service';
import type { SecurityEvent } from '../mail/mail.schema';
import { findStaffById } from './staff.repo';

/**
 * Tells a staff member that something changed how their account is protected (password changed
 * or reset, two-factor sign-in switched off: ASVS 2.5.5), in the transaction of the change, so
 * the change and the notice are stored together. It goes to the account's address in its
 * language and points to "forgot password", the one way to act that needs no sign-in.
 */
export async function queueSecurityNotice(
  trx: Trx,
  deps: QueueMailDeps,
  staffId: number,
  event: SecurityEvent,
  opts: { byName?: string } = {},
): Promise<void> {
  const staff = await findStaffById(trx, staffId);
  if (!staff) return;
  const settings = await deps.settings.all(trx);
  await queueMail(trx, deps, {
    template: 'staff_security_notice',
    to: { address: staff.email, name: staff.name },
    language: staff.language,
    automatic: true,
    vars: {
      event,
      at: deps.clock.now(),
      ...(opts.byName ? { byName: opts.byName } : {}),
      resetUrl: `${settings['helpdesk.url']}/admin/forgot-password`,
    },
  });
}
