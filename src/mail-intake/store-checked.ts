import type { Knex } from 'knex';
import { isDiskRefusal, UploadNotStoredError } from '../attachments/attachment-store';
import type { CheckedFile } from '../attachments/file-check';
import { isConnectionError, isUniqueViolation } from '../db/dialect';
import type { Settings } from '../settings/settings.schema';
import { findInboundByDedupeKey, updateInboundMail } from './inbound.repo';
import { AlreadyHandled, keepAside, type Recorder, refuse, result } from './intake-record';
import type { ImportResult, IntakeDeps } from './intake-types';
import { checkMailFiles } from './mail-files';
import { composeBody } from './new-ticket-plan';
import type { IncomingMail } from './parse-mail';
import { dropRaw, keepRaw } from './raw-store';
import { floodedAlready, floodRefusal, type RefusalDecision } from './refusals';

/** The sender is over the flood limit: found while storing, so that transaction is undone and the mail refused. */
class Flooded extends Error {
  constructor(readonly refusal: RefusalDecision) {
    super(refusal.detail);
  }
}

/** How a checked mail is stored: given its text, accepted files and the inbound record's two writes. */
export type Store = (input: {
  body: string;
  files: CheckedFile[];
  record: (trx: Knex.Transaction) => Promise<number>;
  recorded: (
    trx: Knex.Transaction,
    id: number,
    out: { ticketId: number; messageId: number; reason: string | null },
  ) => Promise<void>;
}) => Promise<ImportResult>;

/**
 * Stores a mail that passed the checks (a new ticket, a customer's or a staff member's reply):
 * files checked as web uploads, the raw bytes kept, the text cut of its quote. A second copy
 * meets the unique key and answers "duplicate"; a failure other than an outage keeps it aside.
 */
export async function storeChecked(
  deps: IntakeDeps,
  raw: Buffer,
  recorder: Recorder,
  mail: IncomingMail,
  settings: Settings,
  language: string,
  store: Store,
): Promise<ImportResult> {
  const flooded = await floodedAlready(deps.db, mail.from!.address, settings, deps.clock.now());
  if (flooded) return refuse(deps, recorder, flooded);
  const files = await checkMailFiles(deps.store, mail.files, settings);
  const rawKey =
    recorder.base.raw_key ??
    (await keepRaw(deps.store, raw).catch(async (err: unknown) => {
      await files.cleanUp();
      throw err;
    }));
  const sender = mail.from!.address;
  try {
    const body = composeBody(deps.i18n, mail, files.problems, language);
    return await store({
      body,
      files: files.accepted,
      record: async (trx) => {
        const id = await recorder.write(trx, { status: 'imported', raw_key: rawKey });
        const flood = await floodRefusal(trx, sender, settings, deps.clock.now());
        if (flood) throw new Flooded(flood);
        return id;
      },
      recorded: (trx, id, out) =>
        updateInboundMail(
          trx,
          id,
          { ticket_id: out.ticketId, message_id: out.messageId, reason: out.reason },
          deps.clock.now(),
        ),
    });
  } catch (err) {
    if (rawKey !== recorder.base.raw_key) await dropRaw(deps.store, rawKey);
    // Counted again with the refusal: the undone transaction took the first count with it.
    if (err instanceof Flooded)
      return refuse(deps, recorder, {
        ...err.refusal,
        inTransaction: async (trx) => void (await floodRefusal(trx, sender, settings, deps.clock.now())),
      });
    if (isUniqueViolation(err) || err instanceof AlreadyHandled) {
      const earlier = await findInboundByDedupeKey(deps.db, recorder.base.dedupe_key);
      if (earlier || err instanceof AlreadyHandled)
        return result('duplicate', earlier?.id ?? null, earlier?.ticket_id ?? null, null);
    }
    if (isConnectionError(err) || isDiskRefusal(err) || err instanceof UploadNotStoredError) throw err;
    deps.logger.error({ err }, 'inbound mail could not be stored');
    return keepAside(deps, recorder, raw, 'not_stored', err instanceof Error ? err.message : String(err));
  } finally {
    await files.cleanUp();
  }
}
