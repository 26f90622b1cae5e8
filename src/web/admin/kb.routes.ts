import { Router, type Request, type Response } from 'express';
import { ValidationError } from '../../errors';
import { languages } from '../../i18n/i18n';
import {
  checkKbArticle,
  kbArticleForStaff,
  KbArticleChangedError,
  kbArticlesForStaff,
  kbNumbers,
  listKbCategoriesForStaff,
  removeKbArticle,
  removeKbCategory,
  removeKbVersion,
  saveKbArticle,
  saveKbCategory,
  type KbEditor,
} from '../../kb/kb-admin.service';
import {
  addKbFiles,
  isInlineKbFile,
  kbFileHref,
  kbFileMarkdown,
  kbFilesForStaff,
  kbFilesPerArticle,
  removeKbFile,
} from '../../kb/kb-files.service';
import { kbDraftFromTicket, kbTicketOrigin } from '../../kb/kb-for-tickets.service';
import { renderKbMarkdown } from '../../kb/kb-markdown';
import { categoryTrail } from '../../kb/kb-visibility';
import type { Services } from '../app-services';
import { requireCapability } from '../auth/guards';
import { idParam } from '../params';
import { uploadedFiles } from '../middleware/multipart';
import { formSubmissionKey } from '../submission-key';

const editorOf = (req: Request): KbEditor => ({ id: req.user!.id, name: req.user!.name, ip: req.ip ?? '' });
const text = (body: Record<string, unknown>, k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
const pageParam = (v: unknown) => (typeof v === 'string' && /^\d{1,3}$/.test(v) ? Math.max(1, Number(v)) : 1);
const perPage = 50;
/** Our "reply above this line" marker in each language, cut from mail like the import does. */
const replyMarkers = (req: Request) =>
  languages.map((l) => req.i18n.getFixedT(l.code)('mail.replyAbove', { defaultValue: '' }));

/** /admin/kb: knowledge-base categories and articles, for staff with kb.manage. */
export function kbAdminRoutes(services: Services): Router {
  const router = Router();
  router.use('/kb', requireCapability('kb.manage'));

  /** Categories as "Parent › Child" for the choosers, in tree order. */
  async function categoryOptions() {
    const categories = await listKbCategoriesForStaff(services.db);
    return {
      categories,
      options: categories
        .map((c) => ({
          value: String(c.id),
          label: categoryTrail(categories, c.id)
            .map((x) => x.name)
            .join(' › '),
          public: c.public,
        }))
        .sort((a, b) => a.label.localeCompare(b.label)),
    };
  }

  async function renderList(
    req: Request,
    res: Response,
    values: Record<string, string>,
    errors: Record<string, string> = {},
    status = 200,
  ) {
    const page = pageParam(req.query.page);
    const fallback = await services.settings.get('helpdesk.language');
    const [{ categories, options }, rows] = await Promise.all([
      categoryOptions(),
      kbArticlesForStaff(
        services.db,
        [req.language || 'en', fallback, ...languages.map((l) => l.code)],
        perPage + 1,
        (page - 1) * perPage,
      ),
    ]);
    const days = typeof req.query.days === 'string' && /^\d{1,3}$/.test(req.query.days) ? Number(req.query.days) : 30;
    res.status(status).render('admin/kb', {
      title: req.t('kbAdmin.title'),
      numbers: await kbNumbers(services.db, days, services.clock.now()),
      options,
      categories,
      articles: rows
        .slice(0, perPage)
        .map((r) => ({ ...r, category: options.find((o) => o.value === String(r.categoryId))?.label ?? '' })),
      page,
      hasNext: rows.length > perPage,
      values,
      errors,
      // A refused form keeps its one-time key (nothing was stored under it); any other showing gets a new one.
      submissionKey: formSubmissionKey(values.submission_key),
      notice: req.query.done === 'category' || req.query.done === 'deleted' ? `kbAdmin.done.${req.query.done}` : null,
    });
  }

  router.get('/kb', (req, res) => renderList(req, res, { name: '', parent: '', position: '0' }));

  const saveCategory = async (req: Request, res: Response, id: number | null) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await saveKbCategory(services.db, editorOf(req), id, body, services.clock.now());
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderList(
        req,
        res,
        {
          name: text(body, 'name'),
          parent: text(body, 'parent'),
          position: text(body, 'position'),
          submission_key: id === null ? text(body, 'submission_key') : '',
        },
        err.details ?? {},
        400,
      );
    }
    res.redirect(303, '/admin/kb?done=category');
  };
  router.post('/kb/categories', (req, res) => saveCategory(req, res, null));
  router.post('/kb/categories/:id', (req, res) => saveCategory(req, res, idParam(req.params.id)));
  router.post('/kb/categories/:id/delete', async (req, res) => {
    try {
      await removeKbCategory(services.db, editorOf(req), idParam(req.params.id), services.clock.now());
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderList(req, res, { name: '', parent: '', position: '0' }, err.details ?? {}, 400);
    }
    res.redirect(303, '/admin/kb?done=deleted');
  });

  type Changed = KbArticleChangedError['change'];
  async function renderEditor(
    req: Request,
    res: Response,
    id: number | null,
    values: Record<string, string>,
    errors: Record<string, string> = {},
    status = 200,
    preview: string | null = null,
    changed: Changed | null = null,
  ) {
    const { options } = await categoryOptions();
    const versions = id === null ? [] : (await kbArticleForStaff(services.db, id)).versions;
    const settings = await services.settings.all();
    const files = id === null ? [] : await kbFilesForStaff(services.db, id);
    res.status(status).render('admin/kb-article', {
      title: id === null ? req.t('kbAdmin.article.newTitle') : req.t('kbAdmin.article.editTitle'),
      id,
      options,
      versions: versions.map((v) => ({ language: v.language, title: v.title, slug: v.slug })),
      kbLanguages: languages,
      values,
      errors,
      preview,
      fromTicket:
        id === null && /^\d{1,9}$/.test(values.from_ticket ?? '')
          ? { id: values.from_ticket, label: values.from_ticket_label ?? '' }
          : null,
      changed,
      tz: await services.settings.get('helpdesk.timezone'),
      submissionKey: formSubmissionKey(values.submission_key),
      files: files.map((f) => ({
        id: f.id,
        name: f.fileName,
        size: f.size,
        href: kbFileHref(f.articleId, f.id),
        image: isInlineKbFile(f),
        markdown: kbFileMarkdown(f),
      })),
      fileRules: {
        maxCount: settings['attachments.maxCount'],
        maxSizeMb: settings['attachments.maxSizeMb'],
        types: settings['attachments.allowedTypes'],
        perArticle: kbFilesPerArticle,
      },
      // The upload form's own one-time key: kept when its upload was refused, new otherwise.
      fileSubmissionKey: formSubmissionKey(values.file_submission_key),
      notice:
        req.query.done === 'saved' || req.query.done === 'files' || req.query.done === 'fileRemoved'
          ? `kbAdmin.done.${req.query.done}`
          : null,
    });
  }

  /** The article's stored form values in a language (the editor as it loads). */
  async function storedValues(id: number, wanted: string | undefined) {
    const { article, versions } = await kbArticleForStaff(services.db, id);
    const language = wanted ?? (await services.settings.get('helpdesk.language'));
    const version =
      versions.find((v) => v.language === language) ??
      (languages.some((l) => l.code === language) ? undefined : versions[0]);
    return {
      category: String(article.categoryId),
      status: article.status,
      pinned: article.pinned ? 'yes' : '',
      position: String(article.position),
      revision: String(article.revision),
      language: version?.language ?? language,
      title: version?.title ?? '',
      keywords: version?.keywords ?? '',
      body: version?.body ?? '',
    };
  }

  const formValues = (body: Record<string, unknown>) => ({
    category: text(body, 'category'),
    status: text(body, 'status'),
    pinned: text(body, 'pinned'),
    position: text(body, 'position'),
    language: text(body, 'language'),
    title: text(body, 'title'),
    keywords: text(body, 'keywords'),
    body: text(body, 'body'),
    from_ticket: text(body, 'from_ticket'),
    from_ticket_label: text(body, 'from_ticket_label'),
    revision: text(body, 'revision'),
    submission_key: text(body, 'submission_key'),
  });

  router.get('/kb/articles/new', async (req, res) => {
    const language = await services.settings.get('helpdesk.language');
    const category = typeof req.query.category === 'string' ? req.query.category : '';
    // "Create an article from this ticket": a draft to edit; nothing is stored until it is saved.
    if (req.query.ticket !== undefined) {
      const draft = await kbDraftFromTicket(
        services.db,
        req.user!,
        idParam(req.query.ticket),
        language,
        replyMarkers(req),
      );
      return renderEditor(req, res, null, {
        category,
        status: 'draft',
        pinned: '',
        position: '0',
        language: draft.language,
        title: draft.title,
        keywords: '',
        body: draft.body,
        from_ticket: String(draft.ticketId),
        from_ticket_label: draft.trackingLabel,
      });
    }
    await renderEditor(req, res, null, {
      category,
      status: 'draft',
      pinned: '',
      position: '0',
      language,
      title: '',
      keywords: '',
      body: '',
    });
  });

  const langParam = (v: unknown) => (typeof v === 'string' ? v : undefined);
  router.get('/kb/articles/:id', async (req, res) => {
    const id = idParam(req.params.id);
    await renderEditor(req, res, id, await storedValues(id, langParam(req.query.lang)));
  });

  // Files and images of an article (a form with files: its CSRF token rides in the action URL).
  router.post('/kb/articles/:id/files', async (req, res) => {
    const id = idParam(req.params.id);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const lang = langParam(req.query.lang);
    try {
      await addKbFiles(
        services,
        editorOf(req),
        id,
        uploadedFiles(req),
        await services.settings.all(),
        body,
        services.clock.now(),
      );
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderEditor(
        req,
        res,
        id,
        { ...(await storedValues(id, lang)), file_submission_key: text(body, 'submission_key') },
        err.details ?? {},
        400,
      );
    }
    res.redirect(303, `/admin/kb/articles/${id}?lang=${encodeURIComponent(lang ?? '')}&done=files#kb-files`);
  });
  router.post('/kb/articles/:id/files/:file/delete', async (req, res) => {
    const id = idParam(req.params.id);
    await removeKbFile(services, editorOf(req), id, idParam(req.params.file), services.clock.now());
    res.redirect(
      303,
      `/admin/kb/articles/${id}?lang=${encodeURIComponent(langParam(req.query.lang) ?? '')}&done=fileRemoved#kb-files`,
    );
  });

  const saveArticle = async (req: Request, res: Response, id: number | null) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      // "Preview" shows the text as customers will see it and saves nothing.
      if (body.intent === 'preview')
        return await renderEditor(
          req,
          res,
          id,
          formValues(body),
          {},
          200,
          renderKbMarkdown((await checkKbArticle(services.db, body)).body),
        );
      const origin = id === null ? await kbTicketOrigin(services.db, req.user!, body.from_ticket) : null;
      const saved = await saveKbArticle(
        services,
        editorOf(req),
        id,
        body,
        services.clock.now(),
        origin === null ? {} : { fromTicket: origin },
      );
      res.redirect(303, `/admin/kb/articles/${saved}?lang=${encodeURIComponent(text(body, 'language'))}&done=saved`);
    } catch (err) {
      // Saved by someone else meanwhile: the typed text is kept, and saving it again now
      // knowingly replaces theirs (the form carries their revision from here on).
      if (err instanceof KbArticleChangedError)
        return renderEditor(
          req,
          res,
          id,
          { ...formValues(body), revision: String(err.change.revision) },
          {},
          409,
          null,
          err.change,
        );
      if (!(err instanceof ValidationError)) throw err;
      await renderEditor(req, res, id, formValues(body), err.details ?? {}, 400);
    }
  };
  router.post('/kb/articles', (req, res) => saveArticle(req, res, null));
  router.post('/kb/articles/:id', (req, res) => saveArticle(req, res, idParam(req.params.id)));
  router.post('/kb/articles/:id/versions/:lang/delete', async (req, res) => {
    const id = idParam(req.params.id);
    try {
      await removeKbVersion(services, editorOf(req), id, String(req.params.lang), services.clock.now());
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const { versions } = await kbArticleForStaff(services.db, id);
      return renderEditor(req, res, id, await storedValues(id, versions[0]!.language), err.details ?? {}, 400);
    }
    res.redirect(303, `/admin/kb/articles/${id}`);
  });
  router.post('/kb/articles/:id/delete', async (req, res) => {
    await removeKbArticle(services, editorOf(req), idParam(req.params.id), services.clock.now());
    res.redirect(303, '/admin/kb?done=deleted');
  });
  return router;
}
