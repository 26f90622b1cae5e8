import type { Db } from '../db/db';
import { NotFoundError, ValidationError } from '../errors';
import { isLanguage } from '../i18n/i18n';
import { cutQuotedText } from '../mail-intake/quote-cut';
import { listAllMessages } from '../tickets/messages.repo';
import { ticketForStaff, type StaffActor } from '../tickets/staff-actions.service';
import type { TicketView } from '../tickets/tickets.repo';
import { formatTrackingId } from '../tickets/tracking-id';
import { anyKbArticleWithStatus, kbArticleStates } from './kb-api.repo';
import { findKbArticle, kbVersionsOf } from './kb-articles.repo';
import { listKbCategories } from './kb-categories.repo';
import { kbTitlesOf } from './kb-lists.repo';
import { kbMarkdownToText } from './kb-plain-text';
import { kbArticleHref } from './kb-public.service';
import { topKbMatches } from './kb-search.service';
import { publicCategoryIds } from './kb-visibility';

/**
 * The knowledge base where staff work tickets: an article drafted from a ticket, and articles
 * inserted into a reply (their link or their text).
 */

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The text without who asked: the customer's address, name and the ticket's tracking ID become "…". */
function anonymized(text: string, ticket: TicketView): string {
  // Whole words only (a name "Ann" must not cut "Announcement"); letters of any script.
  const words = (patterns: string[], flags: string) =>
    new RegExp(`(?<![\\p{L}\\p{N}])(${patterns.filter(Boolean).map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, flags);
  const nameParts = ticket.customerName.split(/\s+/).filter((p) => [...p].length >= 3);
  return (
    text
      .replace(words([ticket.customerEmail, formatTrackingId(ticket.trackingId), ticket.trackingId], 'giu'), '…')
      // Names as written (case kept): "Mark" is a name, "mark the box" is not.
      .replace(words([ticket.customerName, ...nameParts], 'gu'), '…')
  );
}

/** Markdown lines quoted with "> " (the customer's question in the draft). */
const quoted = (text: string) =>
  text
    .split('\n')
    .map((line) => (line.trim() ? `> ${line}` : '>'))
    .join('\n');

export type KbDraft = { ticketId: number; trackingLabel: string; language: string; title: string; body: string };

/**
 * A new article's first draft from a ticket the staff member may see: the subject as its title,
 * the customer's first message (quoted) and the last staff answer as its text, each without the
 * history a mail client quoted and without the customer's address, name or tracking ID, in the
 * ticket's language. Nothing is stored: the editor saves it, or not.
 */
export async function kbDraftFromTicket(
  db: Db,
  staff: StaffActor,
  ticketId: number,
  defaultLanguage: string,
  replyMarkers: string[] = [],
): Promise<KbDraft> {
  const ticket = await ticketForStaff(db, staff, ticketId);
  const messages = await listAllMessages(db, ticket.id);
  const question = messages.find((m) => m.kind === 'customer');
  const answer = [...messages].reverse().find((m) => m.kind === 'staff');
  const clean = (body: string) => anonymized(cutQuotedText(body, replyMarkers), ticket).trim();
  const parts = [question ? quoted(clean(question.body)) : '', answer ? clean(answer.body) : ''].filter(Boolean);
  return {
    ticketId: ticket.id,
    trackingLabel: formatTrackingId(ticket.trackingId),
    language: isLanguage(ticket.language) ? ticket.language : defaultLanguage,
    title: [...anonymized(ticket.subject, ticket).replace(/\s+/g, ' ').trim()].slice(0, 191).join(''),
    body: parts.join('\n\n'),
  };
}

/** The ticket an article was drafted from, for its audit row: only one the editor may see (else none). */
export async function kbTicketOrigin(db: Db, staff: StaffActor, value: unknown): Promise<number | null> {
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return null;
  try {
    return (await ticketForStaff(db, staff, Number(value))).id;
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

/** Whether the reply picker offers articles: some are published or private. */
export const kbReplyPickerInUse = (db: Db) => anyKbArticleWithStatus(db, ['published', 'private']);

export type KbReplyArticle = { id: number; title: string; linkable: boolean };

/**
 * Articles staff may put into a reply, best match first: published and private ones in any
 * category (private ones for their text: customers cannot open them). `linkable` says whether
 * customers can open its address (published, in a public category).
 */
export async function kbArticlesForReply(
  db: Db,
  query: string,
  language: string,
  fallbackLanguage: string,
  limit = 10,
): Promise<KbReplyArticle[]> {
  const categories = await listKbCategories(db);
  const scope = {
    categoryIds: categories.map((c) => c.id),
    statuses: ['published', 'private'],
    language,
    fallbackLanguage,
  };
  const found = await topKbMatches(db, scope, query, limit);
  if (!found.length) return [];
  const publicIds = new Set(publicCategoryIds(categories));
  const titles = await kbTitlesOf(
    db,
    found.map((f) => f.articleId),
    [language, fallbackLanguage],
  );
  const states = await kbArticleStates(
    db,
    found.map((f) => f.articleId),
  );
  return found.map((f) => {
    const state = states.get(f.articleId);
    return {
      id: f.articleId,
      title: titles.get(f.articleId)?.title ?? '',
      linkable: state?.status === 'published' && publicIds.has(state.categoryId),
    };
  });
}

/**
 * What goes into a reply for an article: its customer address ("link", for an article customers
 * can open) or its text as plain text ("text"), in the ticket's language or the default one.
 */
export async function kbInsertForReply(
  db: Db,
  articleId: number,
  as: 'link' | 'text',
  language: string,
  fallbackLanguage: string,
  siteUrl: string,
): Promise<string> {
  const article = Number.isSafeInteger(articleId) ? await findKbArticle(db, articleId) : undefined;
  if (!article || article.status === 'draft') throw new NotFoundError();
  const versions = await kbVersionsOf(db, articleId);
  const version =
    versions.find((v) => v.language === language) ??
    versions.find((v) => v.language === fallbackLanguage) ??
    versions[0];
  if (!version) throw new NotFoundError();
  if (as === 'text') return kbMarkdownToText(version.body);
  const categories = await listKbCategories(db);
  if (article.status !== 'published' || !publicCategoryIds(categories).includes(article.categoryId))
    throw new ValidationError('Customers cannot open this article: insert its text instead.', {
      kb: 'kbStaff.notLinkable',
    });
  return `${version.title}: ${siteUrl}${kbArticleHref(articleId, version.slug)}`;
}
