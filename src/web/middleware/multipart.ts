import crypto from 'node:crypto';
import fs from 'node:fs';
import type { RequestHandler } from 'express';
import multer from 'multer';
import { AppError } from '../../errors';
import type { Services } from '../app-services';

export const attachmentField = 'attachments';

/**
 * Parses multipart forms (forms with files) for every route, before the CSRF check, so that
 * check covers them like any other form. Files land in the store's incoming folder under random
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
      limits: { fileSize: maxBytes + 1, files: settings['attachments.maxCount'] + 1, fields: 100, fieldSize: 256 * 1024, parts: 130 },
    }).array(attachmentField);
    res.on('close', () => {
      for (const f of (req.files as Express.Multer.File[] | undefined) ?? []) fs.rm(f.path, { force: true }, () => undefined);
    });
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      const code = (err as { code?: string }).code ?? '';
      if (code === 'LIMIT_UNEXPECTED_FILE') return next(new AppError(400, 'unexpected_file', 'Unexpected file field.'));
      if (code.startsWith('LIMIT_')) return next(new AppError(413, 'entity_too_large', 'What you sent is too large.'));
      next(new AppError(400, 'bad_upload', 'The upload could not be read.'));
    });
  };
}

/** The uploaded files of this request, as multer left them. */
export function uploadedFiles(req: Express.Request): Express.Multer.File[] {
  const files = (req as { files?: unknown }).files;
  return Array.isArray(files) ? (files as Express.Multer.File[]) : [];
}
