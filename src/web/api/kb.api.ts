import { Router, type NextFunction, type Request, type Response } from 'express';
import { NotFoundError } from '../../errors';
import { kbArticleForStaff, removeKbArticle, type KbEditor } from '../../kb/kb-admin.service';
import {
  createKbArticleFromApi,
  deleteKbCategoryFromApi,
  kbArticlesForPublic,
  kbCategoriesForPublic,
  kbStaffArticleJson,
  kbStaffCategoryJson,
  kbTitlesFor,
  patchKbArticleFromApi,
  saveKbCategoryFromApi,
} from '../../kb/kb-api.service';
import { isInlineKbFile, kbFileHref, kbFilesForCustomer, kbFilesForStaff } from '../../kb/kb-files.service';
import { kbArticleForCustomer, kbArticleHref, type KbReader } from '../../kb/kb-public.service';
import { customerScope, recordKbSearch, searchKb } from '../../kb/kb-search.service';
import { can } from '../../staff/capabilities';
import { clientKey } from '../../security/client-key';
import { spendReadBudget } from '../../security/read-limit';
import type { Services } from '../app-services';
import { kbReaderOf } from '../helpdesk/kb-reader';
import { parseInput } from './api-input';
import { requireTokenWith } from './bearer-auth';
import { idempotent } from './idempotency';
import * as k from './kb-api.schema';

/** Public reads per client (IPv4 address or IPv6 /64): a person reading never gets near it, a scraper does. */
export const kbReadLimit = { max: 120, windowMs: 60_000 };

const iso = (ms: number) => new Date(ms).toISOString();
const editorOf = (req: Request): KbEditor => ({ id: req.user!.id, name: req.user!.name, ip: req.ip ?? '' });

/**
 * /api/v1/kb: the knowledge base for programs. Reading needs no token and finds only what
 * customers may read (published articles in public categories); staff with `kb.manage` write
 * through the editor's services, with the same checks and audit rows.
 */
export function kbApi(services: Services): Router {
  const router = Router();
  const manage = requireTokenWith('kb.manage');
  const canManage = (req: Request) => Boolean(req.user && can(req.user, 'kb.manage'));

  // Off in the settings: the knowledge base does not exist for customers (its editors still
  // reach it, to prepare it). Anonymous reads are
  // budgeted per client (staff tokens are not: they are accountable and have their own limits).
  const publicRead = async (req: Request, _res: Response, next: NextFunction) => {
    if (!canManage(req) && !(await services.settings.get('kb.enabled'))) throw new NotFoundError();
    if (!req.user) await spendReadBudget(services.db, `kb-api:${clientKey(req.ip)}`, kbReadLimit, services.clock.now());
    next();
  };
  const readerOf = async (req: Request, language: string | undefined): Promise<KbReader> => {
    const reader = kbReaderOf(req, await services.settings.get('helpdesk.language'));
    return language ? { ...reader, language } : reader;
  };
  const absolute = async (href: string) => `${await services.settings.get('helpdesk.url')}${href}`;

  router.get('/kb/categories', publicRead, async (req, res) => {
    const query = parseInput(k.kbLanguageQuery, req.query);
    res.json({ items: await kbCategoriesForPublic(services.db, await readerOf(req, query.language)) });
  });

  router.get('/kb/articles', publicRead, async (req, res) => {
    const query = parseInput(k.kbListQuery, req.query);
    const page = Number(query.page ?? 1);
    const size = Number(query.size ?? 20);
    const found = await kbArticlesForPublic(services.db, await readerOf(req, query.language), {
      categoryId: query.category === undefined ? undefined : Number(query.category),
      page,
      size,
    });
    const base = await services.settings.get('helpdesk.url');
    res.json({
      items: found.items.map((a) => ({
        id: a.id,
        categoryId: a.categoryId,
        language: a.language,
        title: a.title,
        url: `${base}${a.href}`,
        pinned: a.pinned,
        updatedAt: iso(a.updatedAt),
      })),
      page,
      size,
      hasMore: found.hasMore,
    });
  });

  router.get('/kb/articles/search', publicRead, async (req, res) => {
    const query = parseInput(k.kbSearchQuery, req.query);
    const page = Number(query.page ?? 1);
    const size = Number(query.size ?? 20);
    const reader = await readerOf(req, query.language);
    const found = await searchKb(
      services.db,
      await customerScope(services.db, reader.language, reader.fallbackLanguage),
      query.q,
      { limit: size, offset: (page - 1) * size },
    );
    if (page === 1) await recordKbSearch(services.db, query.q, reader.language, found.total, services.clock.now());
    const base = await services.settings.get('helpdesk.url');
    const titles = await kbTitlesFor(
      services.db,
      reader,
      found.results.map((r) => r.articleId),
    );
    res.json({
      items: found.results.map((r) => ({
        id: r.articleId,
        language: r.language,
        title: titles.get(r.articleId)?.title ?? '',
        url: `${base}${kbArticleHref(r.articleId, r.slug)}`,
        titleHtml: r.titleHtml,
        snippetHtml: r.snippetHtml,
        updatedAt: iso(r.updatedAt),
      })),
      total: found.total,
      totalCapped: found.capped,
      anyWord: found.mode === 'any',
      page,
      size,
      hasMore: page * size < found.total,
    });
  });

  // With a kb.manage token: the staff view of any article (drafts and private ones too, every
  // language); without one (or without that capability): what a customer may read.
  router.get('/kb/articles/:article', publicRead, async (req, res) => {
    const { article: ref } = parseInput(k.kbArticleParams, req.params);
    const query = parseInput(k.kbLanguageQuery, req.query);
    if (canManage(req))
      return res.json({ article: kbStaffArticleJson(await kbArticleForStaff(services.db, Number(ref))) });
    const view = await kbArticleForCustomer(services.db, await readerOf(req, query.language), Number(ref));
    res.json({
      article: {
        id: view.id,
        categoryId: view.trail.at(-1)?.id ?? 0,
        language: view.version.language,
        fallback: view.fallback,
        title: view.version.title,
        keywords: view.version.keywords,
        body: view.version.body,
        html: view.html,
        url: await absolute(view.href),
        breadcrumbs: view.trail.map((c) => ({ id: c.id, name: c.name })),
        updatedAt: iso(view.version.updatedAt),
      },
    });
  });

  // An article's images and files: of an article customers may read, or any with a kb.manage token.
  router.get('/kb/articles/:article/files', publicRead, async (req, res) => {
    const id = Number(parseInput(k.kbArticleParams, req.params).article);
    parseInput(k.kbFilesQuery, req.query);
    const files = canManage(req) ? await kbFilesForStaff(services.db, id) : await kbFilesForCustomer(services.db, id);
    const base = await services.settings.get('helpdesk.url');
    res.json({
      items: files.map((f) => ({
        id: f.id,
        fileName: f.fileName,
        contentType: f.contentType,
        size: f.size,
        inline: isInlineKbFile(f),
        url: `${base}${kbFileHref(f.articleId, f.id)}`,
      })),
    });
  });

  router.post('/kb/articles', manage, idempotent(services), async (req, res) => {
    const body = parseInput(k.kbArticleCreate, req.body);
    const id = await createKbArticleFromApi(services, editorOf(req), body, services.clock.now());
    res
      .status(201)
      .location(`/api/v1/kb/articles/${id}`)
      .json({ article: kbStaffArticleJson(await kbArticleForStaff(services.db, id)) });
  });

  router.patch('/kb/articles/:article', manage, async (req, res) => {
    const id = Number(parseInput(k.kbArticleParams, req.params).article);
    const { updatedAt, ...patch } = parseInput(k.kbArticlePatch, req.body);
    await patchKbArticleFromApi(
      services,
      editorOf(req),
      id,
      { ...patch, ...(updatedAt === undefined ? {} : { updatedAt: Date.parse(updatedAt) }) },
      await services.settings.get('helpdesk.language'),
      services.clock.now(),
    );
    res.json({ article: kbStaffArticleJson(await kbArticleForStaff(services.db, id)) });
  });

  router.delete('/kb/articles/:article', manage, async (req, res) => {
    await removeKbArticle(
      services,
      editorOf(req),
      Number(parseInput(k.kbArticleParams, req.params).article),
      services.clock.now(),
    );
    res.status(204).end();
  });

  router.post('/kb/categories', manage, idempotent(services), async (req, res) => {
    const category = await saveKbCategoryFromApi(
      services.db,
      editorOf(req),
      null,
      parseInput(k.kbCategoryCreate, req.body),
      services.clock.now(),
    );
    res
      .status(201)
      .location(`/api/v1/kb/categories/${category.id}`)
      .json({ category: kbStaffCategoryJson(category) });
  });

  router.patch('/kb/categories/:category', manage, async (req, res) => {
    const id = Number(parseInput(k.kbCategoryParams, req.params).category);
    res.json({
      category: kbStaffCategoryJson(
        await saveKbCategoryFromApi(
          services.db,
          editorOf(req),
          id,
          parseInput(k.kbCategoryPatch, req.body),
          services.clock.now(),
        ),
      ),
    });
  });

  router.delete('/kb/categories/:category', manage, async (req, res) => {
    await deleteKbCategoryFromApi(
      services.db,
      editorOf(req),
      Number(parseInput(k.kbCategoryParams, req.params).category),
      services.clock.now(),
    );
    res.status(204).end();
  });
  return router;
}
