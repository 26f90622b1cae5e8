import type { AttachmentStore } from '../attachments/attachment-store';
import { releaseFiles } from '../attachments/stored-files';
import { recordAudit } from '../audit/audit.repo';
import type { Db } from '../db/db';
import type { Logger } from '../logger';
import { withTransaction } from '../db/transaction';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { storeOnceByKey, submittedKeyOf } from '../idempotency/submission-once';
import {
  deleteKbArticle,
  deleteKbVersion,
  findKbArticle,
  kbDayOf,
  findKbArticleBySubmissionKey,
  insertKbArticle,
  kbArticleLastChange,
  kbVersionsOf,
  updateKbArticle,
  upsertKbVersion,
  type KbArticle,
  type KbArticleRow,
  type KbVersion,
} from './kb-articles.repo';
import {
  deleteKbCategory,
  findKbCategoryBySubmissionKey,
  insertKbCategory,
  kbCategoryInUse,
  listKbCategories,
  lockKbCategories,
  updateKbCategory,
  type KbCategory,
} from './kb-categories.repo';
import { kbFileKeysOf } from './kb-files.repo';
import { kbTitlesOf, listKbArticlesForStaff } from './kb-lists.repo';
import { fieldErrors, kbArticleSchema, kbCategorySchema } from './kb.schema';
import { kbSearchNumbers, kbTotals, kbTotalsSinceDay } from './kb-numbers.repo';
import { kbDeflectionSince } from './kb-deflection.repo';
import { kbSlug } from './kb-slug';
import { afterKbArticleChange } from './kb-upkeep.service';

/** Who changes the knowledge base, for the audit log. */
export type KbEditor = { id: number; name: string; ip: string };

const audit = (
  db: Db,
  editor: KbEditor,
  action: string,
  target: { type: string; id: number },
  details: Record<string, unknown>,
  now: number,
) => recordAudit(db, { actor: { id: editor.id, name: editor.name }, action, target, details, ip: editor.ip }, now);

export const listKbCategoriesForStaff = (db: Db) => listKbCategories(db);

/** True when `parentId` is `id` or lies below it (a category cannot move under itself). */
function isWithin(categories: KbCategory[], parentId: number, id: number): boolean {
  const byId = new Map(categories.map((c) => [c.id, c]));
  const seen = new Set<number>();
  for (
    let at = byId.get(parentId);
    at && !seen.has(at.id);
    at = at.parentId === null ? undefined : byId.get(at.parentId)
  ) {
    if (at.id === id) return true;
    seen.add(at.id);
  }
  return false;
}

/**
 * Creates (`id` null) or changes a category. The tree is checked inside the transaction that
 * writes, with the category rows locked: two moves at once cannot make a loop, and a delete
 * cannot slip between the check and the write. A creating form's one-time key makes a double
 * submit answer with the category the first one created.
 */
export async function saveKbCategory(
  db: Db,
  editor: KbEditor,
  id: number | null,
  input: unknown,
  now: number,
): Promise<number> {
  const parsed = kbCategorySchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('Check the category.', fieldErrors(parsed.error));
  const parentId = parsed.data.parent === '' ? null : parsed.data.parent;
  const row = { parentId, name: parsed.data.name, position: parsed.data.position, public: !parsed.data.staffOnly };
  const store = (submissionKey: string | null) =>
    withTransaction(db, async (trx) => {
      await lockKbCategories(trx);
      const categories = await listKbCategories(trx);
      if (id !== null && !categories.some((c) => c.id === id)) throw new NotFoundError();
      if (
        parentId !== null &&
        (!categories.some((c) => c.id === parentId) || (id !== null && isWithin(categories, parentId, id)))
      )
        throw new ValidationError('Choose another parent.', { parent: 'kbAdmin.errors.parent' });
      const saved = id ?? (await insertKbCategory(trx, row, now, { staffId: editor.id, submissionKey }));
      if (id !== null) await updateKbCategory(trx, id, row, now);
      await audit(
        trx,
        editor,
        id === null ? 'kb.category_created' : 'kb.category_changed',
        { type: 'kb_category', id: saved },
        { name: row.name, parent: parentId, public: row.public },
        now,
      );
      return saved;
    });
  if (id !== null) return store(null);
  const earlier = async (key: string) => {
    const found = await findKbCategoryBySubmissionKey(db, key);
    return found ? { repeat: found.createdBy === editor.id, value: found.id } : undefined;
  };
  return (await storeOnceByKey(submittedKeyOf(input), earlier, store)).value;
}

export async function removeKbCategory(db: Db, editor: KbEditor, id: number, now: number): Promise<void> {
  await withTransaction(db, async (trx) => {
    await lockKbCategories(trx);
    const category = (await listKbCategories(trx)).find((c) => c.id === id);
    if (!category) throw new NotFoundError();
    if (await kbCategoryInUse(trx, id))
      throw new ValidationError('The category is not empty.', { category: 'kbAdmin.errors.notEmpty' });
    await deleteKbCategory(trx, id);
    await audit(trx, editor, 'kb.category_deleted', { type: 'kb_category', id }, { name: category.name }, now);
  });
}

export async function kbArticleForStaff(db: Db, id: number): Promise<{ article: KbArticle; versions: KbVersion[] }> {
  const article = Number.isSafeInteger(id) ? await findKbArticle(db, id) : undefined;
  if (!article) throw new NotFoundError();
  return { article, versions: await kbVersionsOf(db, id) };
}

/** The checked form of an article: for saving, or for a preview that saves nothing. */
/** What an article write needs: the database, and the logger for what follows its commit. */
export type KbWriteDeps = { db: Db; logger: Logger };

export async function checkKbArticle(db: Db, input: unknown) {
  const parsed = kbArticleSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('Check the article.', fieldErrors(parsed.error));
  if (!(await listKbCategories(db)).some((c) => c.id === parsed.data.category))
    throw new ValidationError('Choose a category.', { category: 'form.invalid' });
  return parsed.data;
}

/** Someone else saved the article after this editor's form was loaded. */
export class KbArticleChangedError extends ConflictError {
  constructor(readonly change: { revision: number; at: number; by: string | null }) {
    super('kb_article_changed', 'The article was changed by someone else meanwhile.');
  }
}

/** The revision a form was loaded with (`revision`), or null when the sender named none. */
const revisionOf = (input: unknown): number | null => {
  const sent = (input as Record<string, unknown> | null)?.revision;
  return typeof sent === 'string' && /^\d{1,9}$/.test(sent) ? Number(sent) : null;
};

/**
 * An article's own row changed only if it is still at `expected` (null: not checked), inside the
 * caller's transaction: the one "has someone saved meanwhile" check of the editor and the API.
 * The check is the UPDATE's condition, so of two saves from the same revision exactly one passes;
 * the other gets KbArticleChangedError with who saved and when.
 */
export async function updateKbArticleAt(
  trx: Db,
  id: number,
  article: KbArticleRow,
  stamp: number,
  by: { staffId: number; expected: number | null },
): Promise<void> {
  if (await updateKbArticle(trx, id, article, stamp, by)) return;
  const change = await kbArticleLastChange(trx, id);
  if (!change) throw new NotFoundError();
  throw new KbArticleChangedError(change);
}

/**
 * The time a change is stamped with: never the article's current updated_at again, so a save
 * within the same millisecond still changes it (API clients may still send `updatedAt` back).
 */
export const kbChangeStamp = (article: KbArticle, now: number) => Math.max(now, article.updatedAt + 1);

/**
 * Creates an article, or changes one and writes the version of the form's language (a new
 * language adds a version; the others stay as they are). A change names the revision its form
 * was loaded with; when someone saved since, nothing is written and KbArticleChangedError says
 * who and when (updateKbArticleAt). A creating form's one-time key makes a double submit answer
 * with the first one's article. `auditExtra` adds to a new article's audit row (the ticket it
 * was drafted from).
 */
export async function saveKbArticle(
  deps: KbWriteDeps,
  editor: KbEditor,
  id: number | null,
  input: unknown,
  now: number,
  auditExtra: Record<string, unknown> = {},
): Promise<number> {
  const { db } = deps;
  const data = await checkKbArticle(db, input);
  const article = {
    categoryId: data.category,
    status: data.status,
    pinned: Boolean(data.pinned),
    position: data.position,
  };
  const version = {
    language: data.language,
    title: data.title,
    slug: kbSlug(data.title),
    keywords: data.keywords,
    body: data.body,
  };
  const details = {
    title: data.title,
    language: data.language,
    status: data.status,
    category: data.category,
    pinned: article.pinned,
  };
  if (id !== null) {
    const stamp = kbChangeStamp((await kbArticleForStaff(db, id)).article, now);
    const expected = revisionOf(input);
    await withTransaction(db, async (trx) => {
      await updateKbArticleAt(trx, id, article, stamp, { staffId: editor.id, expected });
      await upsertKbVersion(trx, id, version, stamp);
      await audit(trx, editor, 'kb.article_changed', { type: 'kb_article', id }, details, stamp);
    });
    await afterKbArticleChange(deps, id);
    return id;
  }
  const earlier = async (key: string) => {
    const found = await findKbArticleBySubmissionKey(db, key);
    return found ? { repeat: found.createdBy === editor.id, value: found.id } : undefined;
  };
  const created = await storeOnceByKey(submittedKeyOf(input), earlier, (submissionKey) =>
    withTransaction(db, async (trx) => {
      const saved = await insertKbArticle(trx, article, version, editor.id, now, submissionKey);
      await audit(
        trx,
        editor,
        'kb.article_created',
        { type: 'kb_article', id: saved },
        { ...details, ...auditExtra },
        now,
      );
      return saved;
    }),
  );
  await afterKbArticleChange(deps, created.value);
  return created.value;
}

/** Removes one language's version; the last one goes only with the article itself. */
export async function removeKbVersion(
  deps: KbWriteDeps,
  editor: KbEditor,
  id: number,
  language: string,
  now: number,
): Promise<void> {
  const { db } = deps;
  const { article, versions } = await kbArticleForStaff(db, id);
  if (!versions.some((v) => v.language === language)) throw new NotFoundError();
  if (versions.length === 1)
    throw new ValidationError('An article keeps at least one language.', { language: 'kbAdmin.errors.lastVersion' });
  await withTransaction(db, async (trx) => {
    await deleteKbVersion(trx, id, language, kbChangeStamp(article, now));
    await audit(trx, editor, 'kb.version_deleted', { type: 'kb_article', id }, { language }, now);
  });
  await afterKbArticleChange(deps, id);
}

/**
 * Deletes an article with its versions, counters and files (their rows go with it); the stored
 * files are released after the commit, each once nothing else uses its content.
 */
export async function removeKbArticle(
  deps: KbWriteDeps & { store: AttachmentStore },
  editor: KbEditor,
  id: number,
  now: number,
): Promise<void> {
  const { versions } = await kbArticleForStaff(deps.db, id);
  const keys = await withTransaction(deps.db, async (trx) => {
    const fileKeys = await kbFileKeysOf(trx, id);
    await deleteKbArticle(trx, id);
    await audit(
      trx,
      editor,
      'kb.article_deleted',
      { type: 'kb_article', id },
      { title: versions[0]?.title ?? '' },
      now,
    );
    return fileKeys;
  });
  await afterKbArticleChange(deps, id);
  await releaseFiles(deps, keys);
}

export const kbPeriods = [7, 30, 90] as const;

/**
 * The owner's numbers over the last `days` days: views and votes (per-day rollup: the last
 * `days` UTC days, today included), searches and deflection (their logs, the last `days` × 24
 * hours); and the all-time view and vote totals.
 */
export async function kbNumbers(db: Db, days: number, now: number) {
  const period = (kbPeriods as readonly number[]).includes(days) ? days : 30;
  const since = now - period * 86_400_000;
  const [inPeriod, allTime, searches, deflection] = await Promise.all([
    kbTotalsSinceDay(db, kbDayOf(now) - period + 1),
    kbTotals(db),
    kbSearchNumbers(db, since, 10),
    kbDeflectionSince(db, since),
  ]);
  return { period, ...inPeriod, allTime, ...searches, ...deflection };
}

/** One page of the staff's article list, with each article's title in the first of `languages` it has. */
export async function kbArticlesForStaff(db: Db, languages: string[], limit: number, offset: number) {
  const rows = await listKbArticlesForStaff(db, limit, offset);
  const titles = await kbTitlesOf(
    db,
    rows.map((r) => r.id),
    languages,
  );
  return rows.map((r) => ({ ...r, title: titles.get(r.id)?.title ?? `#${r.id}` }));
}
