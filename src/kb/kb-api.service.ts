import { recordAudit } from '../audit/audit.repo';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { AppError, NotFoundError, ValidationError } from '../errors';
import {
  checkKbArticle,
  KbArticleChangedError,
  kbArticleForStaff,
  kbChangeStamp,
  removeKbCategory,
  saveKbArticle,
  saveKbCategory,
  updateKbArticleAt,
  type KbEditor,
  type KbWriteDeps,
} from './kb-admin.service';
import { afterKbArticleChange } from './kb-upkeep.service';
import { kbArticleLastChange, upsertKbVersion, type KbArticle, type KbVersion } from './kb-articles.repo';
import { listKbCategories, type KbCategory } from './kb-categories.repo';
import { kbCategoryTree } from './kb-category-cache';
import { countKbArticlesByCategory, kbTitlesOf, listKbArticleIds } from './kb-lists.repo';
import { kbArticleHref, type KbReader } from './kb-public.service';
import { kbSlug } from './kb-slug';
import { categoryName } from './kb-visibility';

/**
 * The knowledge base for programs (REST API): the public reads customers may make, and the
 * staff writes, which go through the editor's services (same checks, same audit rows).
 */

export class KbCategoryNotEmptyError extends AppError {
  constructor() {
    super(
      409,
      'kb_category_not_empty',
      'The category still holds articles or sub-categories: move or delete them first.',
    );
  }
}

const visibleCategories = async (db: Db): Promise<KbCategory[]> => (await kbCategoryTree(db)).visible;

/** The categories customers may see, each with its number of published articles. */
export async function kbCategoriesForPublic(db: Db, reader: KbReader) {
  const visible = await visibleCategories(db);
  const counts = await countKbArticlesByCategory(
    db,
    visible.map((c) => c.id),
  );
  return visible.map((c) => ({
    id: c.id,
    parentId: c.parentId,
    name: categoryName(c, reader.language),
    position: c.position,
    articles: counts.get(c.id) ?? 0,
  }));
}

export type KbArticleListItem = {
  id: number;
  categoryId: number;
  language: string;
  title: string;
  href: string;
  pinned: boolean;
  updatedAt: number;
};

/**
 * One page of published articles customers may see: of one visible category (its order: pinned
 * first, then position) or of all of them (latest change first). A hidden or unknown category is
 * not found, as on the pages.
 */
export async function kbArticlesForPublic(
  db: Db,
  reader: KbReader,
  filter: { categoryId?: number; page: number; size: number },
) {
  const visible = (await visibleCategories(db)).map((c) => c.id);
  if (filter.categoryId !== undefined && !visible.includes(filter.categoryId)) throw new NotFoundError();
  const rows = await listKbArticleIds(
    db,
    filter.categoryId === undefined ? visible : [filter.categoryId],
    filter.categoryId === undefined ? 'latest' : 'category',
    filter.size + 1,
    (filter.page - 1) * filter.size,
  );
  const titles = await kbTitlesOf(
    db,
    rows.map((r) => r.id),
    [reader.language, reader.fallbackLanguage],
  );
  const items = rows.slice(0, filter.size).flatMap((r): KbArticleListItem[] => {
    const t = titles.get(r.id);
    return t
      ? [
          {
            id: r.id,
            categoryId: r.categoryId,
            language: t.language,
            title: t.title,
            href: kbArticleHref(r.id, t.slug),
            pinned: r.pinned,
            updatedAt: r.updatedAt,
          },
        ]
      : [];
  });
  return { items, hasMore: rows.length > filter.size };
}

/** Plain titles of the given articles in the reader's language (or the default one). */
export const kbTitlesFor = (db: Db, reader: KbReader, ids: number[]) =>
  kbTitlesOf(db, ids, [reader.language, reader.fallbackLanguage]);

// ---- Staff writes -----------------------------------------------------------------------

/** The editor's field names in a refusal, as the API's client named them. */
function renamed(err: unknown, names: Record<string, string>): never {
  if (err instanceof ValidationError && err.details)
    throw new ValidationError(
      err.message,
      Object.fromEntries(Object.entries(err.details).map(([k, v]) => [names[k] ?? k, v])),
    );
  throw err;
}
const articleNames = { category: 'categoryId' };
const categoryNames = { parent: 'parentId' };

export type KbArticleInput = {
  categoryId: number;
  status: string;
  pinned?: boolean;
  position?: number;
  language: string;
  title: string;
  keywords?: string;
  body: string;
};

/** The editor form's fields for an article, so the API is checked by the very same schema. */
const articleForm = (a: KbArticleInput) => ({
  category: String(a.categoryId),
  status: a.status,
  pinned: a.pinned ? 'yes' : undefined,
  position: String(a.position ?? 0),
  language: a.language,
  title: a.title,
  keywords: a.keywords ?? '',
  body: a.body,
});

export async function createKbArticleFromApi(
  deps: KbWriteDeps,
  editor: KbEditor,
  input: KbArticleInput,
  now: number,
): Promise<number> {
  return saveKbArticle(deps, editor, null, articleForm(input), now).catch((err: unknown) => renamed(err, articleNames));
}

/** A change names the article as the client read it: its `revision`, or (older clients) its `updatedAt`. */
export type KbArticlePatch = Partial<KbArticleInput> & { revision?: number; updatedAt?: number };

/**
 * Changes an article as the editor does, only if nobody saved it since the client read it: the
 * editor's revision check (updateKbArticleAt), with the revision the client sent, or, when it
 * sent only the `updatedAt` it read, the revision the article had at that time (an `updatedAt`
 * that is no longer the article's is refused at once; every save moves it, kbChangeStamp).
 * Text fields change the version of `language` (default: the help desk's language); a language
 * the article lacks adds a version, which needs a title and a body.
 */
export async function patchKbArticleFromApi(
  deps: KbWriteDeps,
  editor: KbEditor,
  id: number,
  patch: KbArticlePatch,
  defaultLanguage: string,
  now: number,
): Promise<void> {
  const { db } = deps;
  const { article, versions } = await kbArticleForStaff(db, id);
  if (patch.updatedAt !== undefined && article.updatedAt !== patch.updatedAt)
    throw new KbArticleChangedError((await kbArticleLastChange(db, id))!);
  const expected = patch.revision ?? article.revision;
  const language = patch.language ?? defaultLanguage;
  const changesText = patch.title !== undefined || patch.keywords !== undefined || patch.body !== undefined;
  const current = versions.find((v) => v.language === language);
  if (changesText && !current && (patch.title === undefined || patch.body === undefined)) {
    throw new ValidationError('A new language needs a title and a body.', {
      ...(patch.title === undefined ? { title: 'apiErrors.required' } : {}),
      ...(patch.body === undefined ? { body: 'apiErrors.required' } : {}),
    });
  }
  // What is checked: the article as it will be, with the version being written (or any, when no text changes).
  const base: KbVersion | undefined = current ?? versions[0];
  const data = await checkKbArticle(db, {
    ...articleForm({
      categoryId: patch.categoryId ?? article.categoryId,
      status: patch.status ?? article.status,
      pinned: patch.pinned ?? article.pinned,
      position: patch.position ?? article.position,
      language: changesText ? language : (base?.language ?? language),
      title: patch.title ?? base?.title ?? '',
      keywords: patch.keywords ?? base?.keywords ?? '',
      body: patch.body ?? base?.body ?? '',
    }),
  }).catch((err: unknown) => renamed(err, articleNames));
  const stamp = kbChangeStamp(article, now);
  await withTransaction(db, async (trx) => {
    await updateKbArticleAt(
      trx,
      id,
      { categoryId: data.category, status: data.status, pinned: Boolean(data.pinned), position: data.position },
      stamp,
      { staffId: editor.id, expected },
    );
    if (changesText)
      await upsertKbVersion(
        trx,
        id,
        {
          language: data.language,
          title: data.title,
          slug: kbSlug(data.title),
          keywords: data.keywords,
          body: data.body,
        },
        stamp,
      );
    await recordAudit(
      trx,
      {
        actor: { id: editor.id, name: editor.name },
        action: 'kb.article_changed',
        target: { type: 'kb_article', id },
        details: {
          title: data.title,
          language: data.language,
          status: data.status,
          category: data.category,
          pinned: Boolean(data.pinned),
          via: 'api',
        },
        ip: editor.ip,
      },
      stamp,
    );
  });
  await afterKbArticleChange(deps, id);
}

/** An article with every version, as staff see it. */
export const kbStaffArticleJson = ({ article, versions }: { article: KbArticle; versions: KbVersion[] }) => ({
  id: article.id,
  categoryId: article.categoryId,
  status: article.status,
  pinned: article.pinned,
  position: article.position,
  createdAt: new Date(article.createdAt).toISOString(),
  updatedAt: new Date(article.updatedAt).toISOString(),
  revision: article.revision,
  versions: versions.map((v) => ({
    language: v.language,
    title: v.title,
    slug: v.slug,
    keywords: v.keywords,
    body: v.body,
    updatedAt: new Date(v.updatedAt).toISOString(),
  })),
});

export type KbCategoryInput = { name?: string; parentId?: number | null; position?: number; staffOnly?: boolean };

/** Creates a category (id null) or changes the given fields of one, through the editor's service. */
export async function saveKbCategoryFromApi(
  db: Db,
  editor: KbEditor,
  id: number | null,
  input: KbCategoryInput,
  now: number,
): Promise<KbCategory> {
  const current = id === null ? undefined : (await listKbCategories(db)).find((c) => c.id === id);
  if (id !== null && !current) throw new NotFoundError();
  const parentId = input.parentId !== undefined ? input.parentId : (current?.parentId ?? null);
  const form = {
    name: input.name ?? current?.name ?? '',
    parent: parentId === null ? '' : String(parentId),
    position: String(input.position ?? current?.position ?? 0),
    staffOnly: (input.staffOnly ?? (current ? !current.public : false)) ? 'yes' : undefined,
  };
  const saved = await saveKbCategory(db, editor, id, form, now).catch((err: unknown) => renamed(err, categoryNames));
  const category = (await listKbCategories(db)).find((c) => c.id === saved);
  if (!category) throw new NotFoundError();
  return category;
}

export async function deleteKbCategoryFromApi(db: Db, editor: KbEditor, id: number, now: number): Promise<void> {
  await removeKbCategory(db, editor, id, now).catch((err: unknown) => {
    throw err instanceof ValidationError ? new KbCategoryNotEmptyError() : err;
  });
}

export const kbStaffCategoryJson = (c: KbCategory) => ({
  id: c.id,
  parentId: c.parentId,
  name: c.name,
  position: c.position,
  staffOnly: !c.public,
  names: c.names,
});
