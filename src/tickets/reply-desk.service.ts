import type { CheckedFile } from '../attachments/file-check';
import type { Db } from '../db/db';
import {
  deleteDraft,
  deletePresence,
  findDraft,
  findSignature,
  newestConversationMessageId,
  othersPresent,
  pruneStalePresence,
  putDraft,
  putPresence,
  type PresenceState,
} from './reply-desk.repo';
import type { StaffActor } from './staff-actions.service';
import { draftSchema, parseOrThrow, presenceSchema } from './ticket-extras.schema';
import { NewerMessageError } from './message-once';
import { addStaffReply, type StaffReplyInput, type TicketDeps } from './tickets.service';
import type { TicketView } from './tickets.repo';

/** A heartbeat older than this means the person has left the ticket (closed the tab, slept). */
export const presenceTtlMs = 60_000;
const leftGraceMs = 3_000;

/** Keeps (or, when emptied, forgets) the reply being written, per person per ticket. */
export async function saveDraft(
  db: Db,
  staff: StaffActor,
  ticket: TicketView,
  input: unknown,
  now: number,
): Promise<'saved' | 'cleared'> {
  const { message } = parseOrThrow(draftSchema, input);
  if (!message.trim()) {
    await deleteDraft(db, staff.id, ticket.id);
    return 'cleared';
  }
  await putDraft(db, staff.id, ticket.id, message, now);
  return 'saved';
}

export const draftOf = (db: Db, staff: StaffActor, ticketId: number) => findDraft(db, staff.id, ticketId);

/** Records this person's heartbeat on the ticket and answers who else is there. */
export async function heartbeat(
  db: Db,
  staff: StaffActor,
  ticket: TicketView,
  input: unknown,
  now: number,
): Promise<Array<{ name: string; state: PresenceState }>> {
  const { state } = parseOrThrow(presenceSchema, input);
  // A reload sends "left" from the old page and a heartbeat from the new one, in either order:
  // a "left" just after a heartbeat belongs to the old page and is ignored.
  if (state === 'left') await deletePresence(db, ticket.id, staff.id, now - leftGraceMs);
  else await putPresence(db, ticket.id, staff.id, state, now);
  await pruneStalePresence(db, ticket.id, staff.id, now - presenceTtlMs);
  return whoElseIsHere(db, staff, ticket, now);
}

export async function whoElseIsHere(
  db: Db,
  staff: StaffActor,
  ticket: TicketView,
  now: number,
): Promise<Array<{ name: string; state: PresenceState }>> {
  return (await othersPresent(db, ticket.id, staff.id, now - presenceTtlMs)).map(({ name, state }) => ({
    name,
    state,
  }));
}

export const signatureOf = (db: Db, staff: StaffActor) => findSignature(db, staff.id);

/** The reply as sent: the signature goes below the text, after an empty line. */
export function withSignature(body: string, signature: string): string {
  return signature ? `${body}\n\n${signature}` : body;
}

export type ReplyRequest = {
  body: string;
  files: CheckedFile[];
  statusKey?: string;
  /** The newest message the person saw when writing; absent for callers without a page (API). */
  seenMessageId: number | null;
  addSignature: boolean;
  /** The reply form's one-time key: a second send of the same form stores nothing new. */
  submissionKey?: string | null;
};

/** Whoever may reply, as the ticket service wants them (their capabilities included). */
type Replier = StaffReplyInput['staff'];

/**
 * Sends a staff reply from the ticket page, unless the conversation moved on since the person
 * loaded it: a customer message or another staff reply newer than the one they saw. Then
 * nothing is sent and the caller shows the new messages and asks again. The guard is part of
 * the transaction that stores the reply (see lockTicketForMessage): of two people replying to
 * the same messages at the same moment, on any number of processes, one is sent and the other
 * is asked. A second send of the same form answers with the first one's reply.
 */
export async function sendReplyUnlessNewer(
  deps: TicketDeps,
  ticket: TicketView,
  staff: Replier,
  req: ReplyRequest,
): Promise<{ sent: true; messageId: number } | { sent: false; newestId: number }> {
  const body = req.addSignature ? withSignature(req.body, await findSignature(deps.db, staff.id)) : req.body;
  try {
    const messageId = await addStaffReply(deps, ticket, {
      staff,
      body,
      files: req.files,
      statusKey: req.statusKey,
      seenMessageId: req.seenMessageId,
      submissionKey: req.submissionKey,
    });
    await deleteDraft(deps.db, staff.id, ticket.id);
    return { sent: true, messageId };
  } catch (err) {
    if (err instanceof NewerMessageError)
      return { sent: false, newestId: await newestConversationMessageId(deps.db, ticket.id) };
    throw err;
  }
}
