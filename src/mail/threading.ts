import { messageIdSchema } from './mail.schema';

/** A mail of a ticket's thread: its Message-ID and when it was written or received. */
export type ThreadMail = { messageId: string; at: number };

/** The thread of one ticket as mail clients see it: its first mail, and the latest ones. */
export type TicketThread = { root: string | null; recent: ThreadMail[] };

/**
 * References names the first mail and the latest ones only: enough for every client to thread
 * (they use the first and the last), and a long ticket never grows a header past what servers
 * take (RFC 5322 has no limit, but 998 characters per line is where many start to refuse).
 */
export const maxReferences = 10;

/** A stored Message-ID as the headers take it (`<id@host>`), or null when it is not one. */
export function headerMessageId(value: string | null | undefined): string | null {
  if (!value) return null;
  const trimmed = value.trim();
  const bracketed = trimmed.startsWith('<') ? trimmed : `<${trimmed}>`;
  return messageIdSchema.safeParse(bracketed).success ? bracketed : null;
}

/**
 * In-Reply-To and References of the next mail on a ticket: it answers the latest mail of the
 * thread (ours or the customer's), and References lists the first mail, then the latest ones,
 * oldest first, each once. A ticket with no mail yet gets neither: its first mail starts the thread.
 */
export function threadHeaders(thread: TicketThread): { inReplyTo?: string; references?: string[] } {
  const root = headerMessageId(thread.root);
  const recent = [...thread.recent]
    .sort((a, b) => a.at - b.at)
    .map((m) => headerMessageId(m.messageId))
    .filter((id): id is string => id !== null);
  const ordered = [...new Set([...(root ? [root] : []), ...recent])];
  if (ordered.length === 0) return {};
  const references = ordered.length > maxReferences ? [ordered[0]!, ...ordered.slice(-(maxReferences - 1))] : ordered;
  return { inReplyTo: ordered[ordered.length - 1]!, references };
}
