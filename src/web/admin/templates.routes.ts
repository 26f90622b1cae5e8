import ejs from 'ejs';
import { Router, type Request, type Response } from 'express';
import { NotFoundError, ValidationError } from '../../errors';
import { isLanguage, languages, type LanguageCode } from '../../i18n/i18n';
import { isEditableTemplate, type EditableTemplate } from '../../mail/template-texts';
import {
  checkTemplateText,
  previewTemplate,
  resetTemplate,
  saveTemplate,
  templateForEditing,
  templateOverview,
} from '../../mail/templates.service';
import type { Services } from '../app-services';
import { requireCapability } from '../auth/guards';

/**
 * The preview is the mail's own HTML, shown in a sandboxed frame of the editor: no script, no
 * request anywhere, only its inline styles; framed by our own pages only.
 */
const previewPolicy =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox";

const text = (body: unknown, key: string) => {
  const v = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : '';
};

/** /admin/templates: every notification's subject and body per language, with preview and reset. */
export function templateRoutes(services: Services): Router {
  const router = Router();
  router.use('/templates', requireCapability('settings.manage'));

  const target = (req: Request): { template: EditableTemplate; language: LanguageCode } => {
    const { template, language } = req.params;
    if (!isEditableTemplate(template) || !isLanguage(language)) throw new NotFoundError();
    return { template, language };
  };
  const context = (req: Request) => ({
    actor: { id: req.user!.id, name: req.user!.name },
    ...(req.ip ? { ip: req.ip } : {}),
  });
  const base = (template: string, language: string) => `/admin/templates/${template}/${language}`;

  async function renderEditor(
    req: Request,
    res: Response,
    status: number,
    values: { subject: string; body: string } | null,
    errors: Record<string, string> = {},
  ) {
    const { template, language } = target(req);
    const stored = await templateForEditing(services, template, language);
    res.status(status).render('admin/template-edit', {
      title: `${req.t(`mailTemplates.names.${template}`)} · ${req.t('mailTemplates.title')}`,
      template,
      language,
      languages: languages.map((l) => ({ ...l, href: base(template, l.code), current: l.code === language })),
      action: base(template, language),
      values: values ?? { subject: stored.subject, body: stored.body },
      overridden: stored.overridden,
      placeholders: stored.placeholders,
      errors,
      notice:
        req.query.done === 'saved'
          ? 'mailTemplates.saved'
          : req.query.done === 'reset'
            ? 'mailTemplates.wasReset'
            : null,
    });
  }

  async function sendPreview(req: Request, res: Response, draft: { subject: string; body: string } | null) {
    const { template, language } = target(req);
    const mail = await previewTemplate(services, template, language, draft);
    const banner = `<div style="margin:0;padding:12px 16px;background:#111827;color:#ffffff;font:14px/1.5 system-ui,sans-serif;">${ejs.escapeXML(req.t('mailTemplates.previewSubject'))} <strong>${ejs.escapeXML(mail.subject)}</strong></div>`;
    res
      .set('Content-Security-Policy', previewPolicy)
      .type('html')
      .send(mail.html.replace(/<body([^>]*)>/, (m) => `${m}${banner}`));
  }

  router.get('/templates', async (req, res) => {
    res.render('admin/templates', {
      title: req.t('mailTemplates.title'),
      templates: await templateOverview(services.db),
    });
  });

  router.get('/templates/:template/:language', (req, res) => renderEditor(req, res, 200, null));

  router.post('/templates/:template/:language', async (req, res) => {
    const { template, language } = target(req);
    try {
      await saveTemplate(services, context(req), template, language, req.body);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderEditor(
        req,
        res,
        400,
        { subject: text(req.body, 'subject'), body: text(req.body, 'body') },
        err.details ?? {},
      );
    }
    res.redirect(303, `${base(template, language)}?done=saved`);
  });

  router.post('/templates/:template/:language/reset', async (req, res) => {
    const { template, language } = target(req);
    await resetTemplate(services, context(req), template, language);
    res.redirect(303, `${base(template, language)}?done=reset`);
  });

  router.get('/templates/:template/:language/preview', (req, res) => sendPreview(req, res, null));
  // The editor's "Preview" button posts the unsaved text into the preview frame.
  router.post('/templates/:template/:language/preview', async (req, res) => {
    const { template } = target(req);
    let draft: ReturnType<typeof checkTemplateText>;
    try {
      draft = checkTemplateText(template, req.body);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      res.status(400).set('Content-Security-Policy', previewPolicy).type('html');
      return res.send(
        `<!doctype html><meta charset="utf-8"><title>${ejs.escapeXML(req.t('mailTemplates.previewTitle'))}</title><p style="font:15px system-ui,sans-serif;padding:16px;">${ejs.escapeXML(req.t('mailTemplates.previewInvalid'))}</p>`,
      );
    }
    await sendPreview(req, res, draft);
  });

  return router;
}
