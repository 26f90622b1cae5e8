import type { Request } from 'express';
import type { DeliveryState } from '../../mail/delivery-state';
import { sendingStatus, type SendingStatus } from '../../mail/sending-status';
import type { Services } from '../app-services';

/** Where mail is set up; only administrators may change it (see adminOnlySettingKeys). */
export const sendingSettingsHref = '/admin/settings/sending';

export type MailSendingView = SendingStatus & { settingsHref: string | null };

/** For views/admin/partials/mail-sending-notice.ejs: the state, and the link for those who may act on it. */
export async function mailSendingView(services: Services, req: Request): Promise<MailSendingView> {
  const status = await sendingStatus(services.db, services.settings);
  return { ...status, settingsHref: req.user?.isAdmin ? sendingSettingsHref : null };
}

/**
 * A done notice about a mail that was queued just now: the plain key says it goes out in a
 * moment (the server works); `…Unsent` says it waits, because nothing is sent yet.
 */
export function queuedMailNotice(key: string, status: SendingStatus): string {
  return status.canSend ? key : `${key}Unsent`;
}

/**
 * "Your reply …": what happened to the customer's mail of the latest message, read from its
 * delivery state. Only a mail an SMTP server accepted is called sent.
 */
export function replyNotice(
  deliveries: Map<number, DeliveryState[]> | undefined,
  latestMessageId: number | undefined,
  status: SendingStatus,
): string {
  const mails = latestMessageId === undefined ? undefined : deliveries?.get(latestMessageId);
  const kind = mails?.[0]?.kind;
  if (!kind) return 'staffTicket.done.repliedNoMail';
  if (kind === 'sent') return 'staffTicket.done.replied';
  if (kind === 'logged') return 'staffTicket.done.repliedLogged';
  if (kind === 'failed' || kind === 'bounced') return 'staffTicket.done.repliedFailed';
  return queuedMailNotice('staffTicket.done.repliedQueued', status);
}

/** The ticket page's `?done=` notice; the two about mail say what happened to it. */
export function ticketDoneNotice(
  done: string | null,
  deliveries: Map<number, DeliveryState[]> | undefined,
  latestReplyId: number | undefined,
  status: SendingStatus,
): string | null {
  if (done === 'replied') return replyNotice(deliveries, latestReplyId, status);
  if (done === 'mailresent') return queuedMailNotice('staffTicket.done.mailresent', status);
  return done ? `staffTicket.done.${done}` : null;
}
