import type { i18n } from 'i18next';
import type { Logger } from '../logger';
import type { SettingsService } from '../settings/settings.service';
import type { DnsResolver } from '../staff-mail/sender-auth';
import type { TicketDeps } from '../tickets/tickets.service';

export type MailOrigin = {
  source: 'pipe' | 'lmtp' | 'imap' | 'pop3';
  mailboxId: number | null;
  /** The envelope recipient, when the way in knows it (the pipe's --recipient): it replaces the delivery headers. */
  recipient?: string | null;
  defaults?: { categoryId: number | null; priorityKey: string | null };
};

export type ImportResult = {
  outcome: 'created' | 'replied' | 'duplicate' | 'refused' | 'kept_aside';
  inboundId: number | null;
  ticketId: number | null;
  reason: string | null;
};

/** What the import needs: the ticket service's dependencies, the settings, the log and the texts. */
export type IntakeDeps = TicketDeps & {
  settings: SettingsService;
  logger: Logger;
  i18n: i18n;
  config: { secrets: { signing: string } };
  /** DNS look-ups of DKIM keys (tests serve their own; the system resolver when not given). */
  dnsResolver?: DnsResolver;
};

/** How the import was started: a retry of a kept-aside mail says why it was kept aside. */
export type ImportRun = { retriedReason?: string | null };
