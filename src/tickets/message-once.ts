import type { Db } from '../db/db';
import { ConflictError } from '../errors';
import { storeOnceByKey } from '../idempotency/submission-once';
import { findMessageBySubmissionKey, type KeyedMessage, type MessageKind } from './messages.repo';

/** A staff reply written against an older conversation: a newer message arrived meanwhile. */
export class NewerMessageError extends ConflictError {
  constructor() {
    super('newer_message', 'A newer message arrived on this ticket.');
  }
}

export type MessageSend = {
  ticketId: number;
  kind: MessageKind;
  staffId: number | null;
  customerId: number | null;
  submissionKey: string | null;
};

/** The same form sent again: same ticket, same kind of message, same author. */
function isRepeatOf(earlier: KeyedMessage, send: MessageSend): boolean {
  return (
    earlier.ticketId === send.ticketId &&
    earlier.kind === send.kind &&
    earlier.staffId === send.staffId &&
    earlier.customerId === send.customerId
  );
}

/** The message an earlier send of this same form stored, if any. */
export async function earlierSendOf(db: Db, send: MessageSend): Promise<number | undefined> {
  const earlier = send.submissionKey ? await findMessageBySubmissionKey(db, send.submissionKey) : undefined;
  return earlier && isRepeatOf(earlier, send) ? earlier.id : undefined;
}

/** A message stored once per submission key (see storeOnceByKey). */
export async function storeMessageOnce(
  db: Db,
  send: MessageSend,
  store: (submissionKey: string | null) => Promise<number>,
): Promise<{ messageId: number; created: boolean }> {
  const earlier = async (key: string) => {
    const found = await findMessageBySubmissionKey(db, key);
    return found ? { repeat: isRepeatOf(found, send), value: found.id } : undefined;
  };
  const { value, created } = await storeOnceByKey(send.submissionKey, earlier, store);
  return { messageId: value, created };
}
