import type { i18n } from 'i18next';
import type { Clock } from '../clock';
import { findCustomerByEmail } from '../customers/customers.repo';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { hitWindowCounter } from '../db/window-counter';
import { clientKey } from '../security/client-key';
import { queueMail } from '../mail/mail.service';
import { customerTicketUrl } from '../notifications/ticket-notifications';
import type { SettingsService } from '../settings/settings.service';
import { listTicketsOfCustomer } from './tickets.repo';

export type ForgotDeps = { db: Db; i18n: i18n; settings: SettingsService; clock: Clock; signingSecret: string };

const perAddressPerHour = 3;
const perIpPerHour = 10;

/**
 * Mails a customer the list of their tickets. Whether the address is known, has tickets, or has
 * asked too often, the caller shows the same page: nothing here tells anyone which addresses
 * we know. The limits stop the form from being used to flood someone's mailbox.
 */
export async function mailTrackingIds(
  deps: ForgotDeps,
  input: { email: string; ip: string; language: string },
): Promise<void> {
  const now = deps.clock.now();
  const email = input.email.trim().toLowerCase();
  const byIp = await hitWindowCounter(deps.db, `forgot:${clientKey(input.ip)}`, 3600_000, now);
  const byAddress = await hitWindowCounter(deps.db, `forgot-email:${email.slice(0, 170)}`, 3600_000, now);
  if (byIp.hits > perIpPerHour || byAddress.hits > perAddressPerHour) return;
  const customer = await findCustomerByEmail(deps.db, email);
  if (!customer) return;
  const settings = await deps.settings.all();
  const tickets = await listTicketsOfCustomer(deps.db, customer.id, {
    openOnly: !settings['portal.forgotListsAll'],
    limit: 100,
  });
  if (tickets.length === 0) return;
  await withTransaction(deps.db, async (trx) => {
    const list = [];
    for (const t of tickets) {
      list.push({
        trackingId: t.trackingId,
        subject: t.subject,
        status: { key: t.statusKey, name: t.statusName },
        url: await customerTicketUrl(deps, trx, t, now),
      });
    }
    await queueMail(trx, deps, {
      template: 'forgot_tracking',
      to: { address: customer.email, name: customer.name },
      language: customer.language || input.language,
      automatic: true,
      vars: { tickets: list },
    });
  });
}
