import { Router, type NextFunction, type Request, type Response } from 'express';
import { NotFoundError, TooManyRequestsError, ValidationError } from '../../errors';
import { isInlineKbFile, kbFileForReader } from '../../kb/kb-files.service';
import { can } from '../../staff/capabilities';
import { recordKbSuggestionOpened, recordKbSuggestionsShown } from '../../kb/kb-deflection.service';
import {
  countKbArticleView,
  kbArticleForCustomer,
  kbCategoryPage,
  kbHome,
  kbSitemap,
  kbSuggestionLinks,
  kbVoted,
  kbVoterOf,
  voteOnKbArticle,
  type KbReader,
} from '../../kb/kb-public.service';
import {
  chargeKbSearch,
  customerScope,
  kbCountCap,
  recordKbSearch,
  searchKb,
  topKbMatchIds,
} from '../../kb/kb-search.service';
import { clientKey } from '../../security/client-key';
import type { Services } from '../app-services';
import { formBindingOf } from '../middleware/form-binding';
import { sessionHoldsSomething } from '../middleware/session';
import { idParam } from '../params';
import { kbReaderOf } from './kb-reader';
import { kbSitemapXml } from './kb-sitemap';
import { sendAttachment } from './send-attachment';

/** `?page=` as a page number from 1 to 500; anything else is the first page. */
const pageParam = (value: unknown) =>
  typeof value === 'string' && /^\d{1,3}$/.test(value) ? Math.min(500, Math.max(1, Number(value))) : 1;

/** A search string from the query: a string of at most 200 characters; a repeated or odd `q` is refused. */
function searchParam(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string' || value.length > 1000) throw new ValidationError('Search for a shorter text.');
  return value.slice(0, 200);
}

/** /helpdesk/kb: the public knowledge base (published articles in public categories only). */
export function kbRoutes(services: Services): Router {
  const router = Router();
  const secret = services.config.secrets.signing;

  // An article's image or file: before the switch below, so staff who manage the knowledge base
  // see an article's pictures in the editor's preview even while it is off for customers.
  router.get('/kb/:article/files/:file', async (req, res) => {
    const manager = Boolean(req.user && can(req.user, 'kb.manage'));
    if (!manager && !(await services.settings.get('kb.enabled'))) throw new NotFoundError();
    const file = await kbFileForReader(services.db, { manager }, idParam(req.params.article), idParam(req.params.file));
    // A visitor's copy is a published public article's file: cacheable, unless this request has a
    // session, whose cookie the response renews (a shared cache must never keep that).
    const audience = !manager && !sessionHoldsSomething(req) ? 'public' : 'private';
    sendAttachment(res, file, services.store, isInlineKbFile(file) ? 'inline' : 'attachment', audience);
  });

  // Off in the settings: the knowledge base does not exist for customers.
  router.use('/kb', async (_req: Request, _res: Response, next: NextFunction) => {
    next((await services.settings.get('kb.enabled')) ? undefined : 'router');
  });
  const readerOf = async (req: Request): Promise<KbReader> =>
    kbReaderOf(req, await services.settings.get('helpdesk.language'));

  router.get('/kb', async (req, res) => {
    const home = await kbHome(services.db, await readerOf(req));
    res.render('helpdesk/kb-home', { title: req.t('kb.title'), ...home, q: '' });
  });

  // For search engines: what customers may read, in the help desk's own language.
  router.get('/kb/sitemap.xml', async (_req, res) => {
    const [language, url] = await Promise.all([
      services.settings.get('helpdesk.language'),
      services.settings.get('helpdesk.url'),
    ]);
    const links = await kbSitemap(services.db, { language, fallbackLanguage: language });
    res.type('application/xml').send(kbSitemapXml(url, links));
  });

  router.get('/kb/search', async (req, res) => {
    const q = searchParam(req.query.q);
    const reader = await readerOf(req);
    const perPage = await services.settings.get('kb.articlesPerPage');
    const page = pageParam(req.query.page);
    try {
      await chargeKbSearch(
        services.db,
        clientKey(req.ip),
        'search',
        await services.settings.get('kb.searchesPerMinute'),
        services.clock.now(),
      );
    } catch (err) {
      if (!(err instanceof TooManyRequestsError)) throw err;
      res.set('Retry-After', String(err.retryAfterSeconds));
      return res.status(429).render('helpdesk/kb-search', {
        title: req.t('kb.search.title'),
        q,
        found: null,
        tooMany: true,
        page,
        perPage,
        cap: kbCountCap,
      });
    }
    const found = await searchKb(
      services.db,
      await customerScope(services.db, reader.language, reader.fallbackLanguage),
      q,
      { limit: perPage, offset: (page - 1) * perPage },
    );
    if (page === 1) await recordKbSearch(services.db, q, reader.language, found.total, services.clock.now());
    res.render('helpdesk/kb-search', {
      title: q ? req.t('kb.search.titleFor', { q }) : req.t('kb.search.title'),
      q,
      found,
      tooMany: false,
      page,
      perPage,
      cap: kbCountCap,
    });
  });

  // Suggestions while a customer writes a ticket: a few best matches as JSON (typing is not logged
  // as searches). A visitor shown any is counted for the deflection numbers when the request
  // carries the signed ticket the form page issued (`s`; see kb-deflection.service).
  router.get('/kb/suggest', async (req, res) => {
    if (!(await services.settings.get('kb.suggestOnSubmit'))) return res.status(404).json({ articles: [] });
    const q = searchParam(req.query.q);
    const client = clientKey(req.ip);
    try {
      await chargeKbSearch(
        services.db,
        client,
        'suggest',
        await services.settings.get('kb.searchesPerMinute'),
        services.clock.now(),
      );
    } catch (err) {
      if (!(err instanceof TooManyRequestsError)) throw err;
      res.set('Retry-After', String(err.retryAfterSeconds));
      return res.status(429).json({ articles: [], error: { code: err.code, message: err.message } });
    }
    const reader = await readerOf(req);
    const found = await topKbMatchIds(
      services.db,
      await customerScope(services.db, reader.language, reader.fallbackLanguage),
      q,
      5,
    );
    const articles = await kbSuggestionLinks(services.db, reader, found);
    if (articles.length)
      await recordKbSuggestionsShown(
        services.db,
        secret,
        { binding: formBindingOf(req), ticket: req.query.s, client },
        services.clock.now(),
      );
    res.json({ articles: articles.map((a) => ({ title: a.title, href: `${a.href}?ref=suggest` })) });
  });

  router.get('/kb/category/:id', async (req, res) => {
    const perPage = await services.settings.get('kb.articlesPerPage');
    const page = pageParam(req.query.page);
    const view = await kbCategoryPage(services.db, await readerOf(req), idParam(req.params.id), { perPage, page });
    res.render('helpdesk/kb-category', { title: view.category.name, ...view, page, q: '' });
  });

  const articleRef = (ref: string | undefined) => idParam(/^(\d{1,9})(-.*)?$/.exec(ref ?? '')?.[1]);

  router.get('/kb/:ref', async (req, res) => {
    const article = await kbArticleForCustomer(services.db, await readerOf(req), articleRef(req.params.ref));
    // One address per article: an old or mistyped slug leads to the current one.
    if (req.params.ref !== `${article.id}-${article.version.slug}`) return res.redirect(301, article.href);
    const justVoted = req.query.voted === 'thanks' || req.query.voted === 'already' ? req.query.voted : '';
    // The page a vote leads back to is the same reading, not another view.
    if (!justVoted) await countKbArticleView(services, article.id, services.clock.now());
    const binding = formBindingOf(req);
    if (req.query.ref === 'suggest') await recordKbSuggestionOpened(services.db, secret, binding, services.clock.now());
    const voted =
      justVoted || (binding && (await kbVoted(services.db, article.id, kbVoterOf(secret, binding))) ? 'already' : '');
    res.render('helpdesk/kb-article', {
      title: article.version.title,
      article,
      voted,
      q: '',
      tz: await services.settings.get('helpdesk.timezone'),
    });
  });

  router.get('/kb/:ref/print', async (req, res) => {
    const article = await kbArticleForCustomer(services.db, await readerOf(req), articleRef(req.params.ref));
    res.render('helpdesk/kb-print', {
      title: article.version.title,
      article,
      tz: await services.settings.get('helpdesk.timezone'),
    });
  });

  router.post('/kb/:ref/vote', async (req, res) => {
    const id = articleRef(req.params.ref);
    const answer = (req.body as Record<string, unknown> | undefined)?.helpful;
    const binding = formBindingOf(req);
    if ((answer !== 'yes' && answer !== 'no') || !binding) throw new ValidationError('Answer yes or no.');
    const counted = await voteOnKbArticle(
      services.db,
      id,
      kbVoterOf(secret, binding),
      answer === 'yes',
      services.clock.now(),
    );
    const article = await kbArticleForCustomer(services.db, await readerOf(req), id);
    res.redirect(303, `${article.href}?voted=${counted ? 'thanks' : 'already'}#vote`);
  });
  return router;
}
