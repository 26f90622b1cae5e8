import type { i18n } from 'i18next';
import type { Clock } from '../clock';
import type { Trx } from '../db/db';
import { withTransaction } from '../db/transaction';
import type { SettingsService } from '../settings/settings.service';
import { composeMail } from './compose';
import { templateOverridesByLanguage } from './template-overrides.repo';
import { mailLeasesOf } from './delivery-policy';
import { deliverLeased, newWorkerName, type DeliveryDeps, type DeliveryOutcome } from './delivery';
import { siteOf } from './headers';
import { ticketMailTemplates } from './delivery-state';
import { inboundMailActive, replyAddressOf } from './inbound';
import { ticketThread } from './thread.repo';
import { threadHeaders } from './threading';
import type { MailRequest } from './mail.schema';
import { insertOutboxMail, insertOutboxMails, leasedMail, type Lease, type NewOutboxMail } from './outbox.repo';

export type QueueMailDeps = { i18n: i18n; settings: SettingsService; clock: Clock };

/** The stored mail: its outbox id and the Message-ID it goes out with (keep it on the message for threading). */
export type QueuedMail = { id: number; emailMessageId: string };

type Composer = (request: MailRequest) => Promise<NewOutboxMail>;

/** Composes mails as they will be stored, with the settings and the admin's wording read once for all of them. */
async function composerFor(trx: Trx, deps: QueueMailDeps, now: number): Promise<Composer> {
  const settings = await deps.settings.all(trx);
  // An admin's wordings are kept beside the settings (saving one counts up their revision) and read
  // as the settings are: through the transaction when the revision is due a check, as of at most
  // a second ago in another process. Each template's wordings in every language in one read.
  const overrideFor = async (template: string, language: string) =>
    (
      await deps.settings.beside(
        `template-overrides/${template}`,
        (db) => templateOverridesByLanguage(db, template),
        trx,
      )
    ).get(language);
  const context = {
    i18n: deps.i18n,
    site: siteOf(settings),
    now,
    inboundMail: inboundMailActive(settings),
    replyTo: replyAddressOf(settings),
    overrideFor,
  };
  return async (request) => {
    const mail = await composeMail(context, await threaded(trx, request));
    return {
      ticketId: mail.ticketId,
      messageId: mail.messageId,
      template: mail.template,
      toAddress: mail.toAddress,
      subject: mail.subject,
      bodyText: mail.text,
      bodyHtml: mail.html,
      headers: mail.headers,
      emailMessageId: mail.emailMessageId,
    };
  };
}

async function storeMail(trx: Trx, deps: QueueMailDeps, request: MailRequest, lease?: Lease): Promise<QueuedMail> {
  const now = deps.clock.now();
  const mail = await (await composerFor(trx, deps, now))(request);
  const id = await insertOutboxMail(trx, mail, now, lease);
  return { id, emailMessageId: mail.emailMessageId };
}

/**
 * A customer's mail about their ticket answers the ticket's latest mail, so their mail client
 * shows one conversation (In-Reply-To, References: see threading.ts). A caller that threads
 * the mail itself keeps its own headers; so does the acknowledgement, queued as the ticket is
 * created, whose caller knows the whole thread (the customer's own mail, or nothing).
 */
async function threaded(trx: Trx, request: MailRequest): Promise<MailRequest> {
  if (!request.ticketId || request.inReplyTo || request.template === 'ticket_received') return request;
  if (!ticketMailTemplates.includes(request.template)) return request;
  return { ...request, ...threadHeaders(await ticketThread(trx, request.ticketId)) };
}

/**
 * Composes a mail and queues it in the caller's transaction, so a change and the mail about it
 * are stored together or not at all; the delivery job sends it after commit. Invalid variables
 * or addresses throw (a ZodError) and so roll the caller's transaction back.
 */
export async function queueMail(trx: Trx, deps: QueueMailDeps, request: MailRequest): Promise<QueuedMail> {
  return storeMail(trx, deps, request);
}

/**
 * Many mails in the caller's transaction (a job's batch): composed exactly as queueMail would,
 * with the settings and template wording read once, and stored by a few multi-row inserts.
 */
export async function queueMails(trx: Trx, deps: QueueMailDeps, requests: readonly MailRequest[]): Promise<void> {
  if (requests.length === 0) return;
  const now = deps.clock.now();
  const compose = await composerFor(trx, deps, now);
  const mails: NewOutboxMail[] = [];
  for (const request of requests) mails.push(await compose(request));
  await insertOutboxMails(trx, mails, now);
}

export type TestMailResult = { target: string; outcome: DeliveryOutcome | undefined };

/**
 * The "send test e-mail" button: queues `test_message` already claimed by this request, so no
 * background job takes it first, and makes one delivery attempt now. A failed test is not
 * retried later: the admin sees the error at once and sends another after fixing the settings.
 */
export async function sendTestMail(
  deps: QueueMailDeps & DeliveryDeps,
  input: { to: string; language: string; requestedBy: string },
): Promise<TestMailResult> {
  const worker = newWorkerName();
  const lease = { worker, until: deps.clock.now() + mailLeasesOf(deps.config.jobs).claimMs };
  await withTransaction(deps.db, (trx) =>
    storeMail(
      trx,
      deps,
      {
        template: 'test_message',
        to: { address: input.to },
        language: input.language,
        automatic: false,
        vars: { requestedBy: input.requestedBy },
      },
      lease,
    ),
  );
  const report = await deliverLeased(deps, await leasedMail(deps.db, worker), worker, { retry: false });
  return { target: report.target, outcome: report.outcomes[0] };
}
