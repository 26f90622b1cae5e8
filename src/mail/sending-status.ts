import type { Knex } from 'knex';
import type { Settings } from '../settings/settings.schema';
import type { SettingsService } from '../settings/settings.service';
import { outboxSendingEvidence } from './sending-status.repo';

/**
 * The one honest answer to "can the help desk send mail?", for every page that queues mail:
 * - `file`: mail is only written to the mail log file (nothing leaves the machine);
 * - `unconfigured`: SMTP is chosen but no server is set;
 * - `failing`: an SMTP server is set, and a mail waits for another try because the server
 *   failed (down, refusing our sign-in, …), with no later mail accepted since; a recipient's
 *   full mailbox is that mail's own state, not the help desk's (see sending-status.repo.ts);
 * - `working`: an SMTP server is set and nothing is failing (`proven` once it accepted a mail).
 * Only `working` may be told "it goes out"; and only a mail the server accepted is "sent".
 */
export type SendingState = 'file' | 'unconfigured' | 'failing' | 'working';
export type SendingStatus = { state: SendingState; canSend: boolean; proven: boolean };

export function configuredTransportOf(
  settings: Pick<Settings, 'mail.transport' | 'mail.smtpHost'>,
): 'file' | 'unconfigured' | 'smtp' {
  if (settings['mail.transport'] !== 'smtp') return 'file';
  return settings['mail.smtpHost'] ? 'smtp' : 'unconfigured';
}

export async function sendingStatus(db: Knex, settings: SettingsService): Promise<SendingStatus> {
  const transport = configuredTransportOf(await settings.all());
  if (transport !== 'smtp') return { state: transport, canSend: false, proven: false };
  const evidence = await outboxSendingEvidence(db);
  if (evidence.retrying) return { state: 'failing', canSend: false, proven: evidence.everSent };
  return { state: 'working', canSend: true, proven: evidence.everSent };
}
