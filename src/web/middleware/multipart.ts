import crypto from 'node:crypto';
import fs from 'node:fs';
import type { RequestHandler } from 'express';
import multer from 'multer';
import { isDiskRefusal, UploadNotStoredError } from '../../attachments/attachment-store';
import { AppError } from '../../errors';
import type { Services } from '../app-services';
import { holdsNul } from './no-nul';

export const attachmentField = 'attachments';

/**
 * Parses multipart forms (forms with files) for every route, after the CSRF check (their token
 * rides in the form's action URL), so no file of a forged request is ever written. Files land in the store's incoming folder under random
 * names; whatever a request leaves there (refused, or the request failed) is removed when the
 * response ends. The hard limits sit one file and one byte above the settings, so a file just
 * over a limit reaches the form's own check and gets an error beside the field.
 */
export function multipartForms(services: Services): RequestHandler {
  const storage = multer.diskStorage({
    destination: services.store.incomingDir,
    filename: (_req, _file, cb) => cb(null, crypto.randomBytes(16).toString('hex')),
  });
  return async (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    const settings = await services.settings.all();
    const maxBytes = settings['attachments.maxSizeMb'] * 1024 * 1024;
    const upload = multer({
      storage,
      // Browsers send file names as UTF-8; multer would read them as Latin-1 ("rÃ©sumÃ©.txt").
      defParamCharset: 'utf8',
      limits: {
        fileSize: maxBytes + 1,
        files: settings['attachments.maxCount'] + 1,
        fields: 60,
        fieldSize: 128 * 1024,
        parts: 90,
      },
    }).array(attachmentField);
    res.on('close', () => {
      // An aborted upload leaves entries without a path; multer removed their partial files.
      for (const f of (req.files as Express.Multer.File[] | undefined) ?? [])
        if (typeof f.path === 'string') fs.rm(f.path, { force: true }, () => undefined);
    });
    upload(req, res, (err: unknown) => {
      if (!err)
        return next(plainFields(req.body) ? undefined : new AppError(400, 'bad_form', 'The form could not be read.'));
      const code = (err as { code?: string }).code ?? '';
      if (code === 'LIMIT_UNEXPECTED_FILE') return next(new AppError(400, 'unexpected_file', 'Unexpected file field.'));
      if (code.startsWith('LIMIT_')) return next(new AppError(413, 'entity_too_large', 'What you sent is too large.'));
      if (isDiskRefusal(err)) return next(new UploadNotStoredError(err));
      next(new AppError(400, 'bad_upload', 'The upload could not be read.'));
    });
  };
}

/**
 * Form fields must be text, or a short list of text (checkboxes), without NUL (see no-nul.ts).
 * Names like a[100000000] or a[b] would otherwise become huge sparse arrays or objects through
 * multer's field parser.
 */
function plainFields(body: unknown): boolean {
  if (!body || typeof body !== 'object') return true;
  if (holdsNul(body)) return false;
  return Object.values(body as Record<string, unknown>).every(
    (v) =>
      typeof v === 'string' ||
      (Array.isArray(v) &&
        v.length <= 50 &&
        Object.keys(v).length === v.length &&
        v.every((x) => typeof x === 'string')),
  );
}

/** The uploaded files of this request, as multer left them. */
export function uploadedFiles(req: Express.Request): Express.Multer.File[] {
  const files = (req as { files?: unknown }).files;
  return Array.isArray(files) ? (files as Express.Multer.File[]) : [];
}
