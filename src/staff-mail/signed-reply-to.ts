import type { Knex } from 'knex';
import { replyAddressOf } from '../mail/inbound';
import type { Settings } from '../settings/settings.schema';
import { staffReplyAddress } from './reply-address';
import { replyKeyVersionOf } from './staff-mail.repo';

/**
 * The Reply-To of a staff notice, made when the mail is handed to the server (src/mail/delivery.ts)
 * and never stored: the day it is sent and the member's current key version go into it. Null when
 * the reply address is too long to carry the tag.
 */
export async function signedReplyTo(
  db: Knex,
  secret: string,
  settings: Settings,
  ticketId: number,
  staffId: number,
  now: number,
): Promise<string | null> {
  const version = await replyKeyVersionOf(db, staffId);
  return staffReplyAddress(secret, replyAddressOf(settings), { ticketId, staffId, version }, now);
}
