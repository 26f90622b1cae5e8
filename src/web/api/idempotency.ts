import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../../errors';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  idempotencyKeyPattern,
  releaseIdempotencyKey,
  requestFingerprint,
} from '../../idempotency/idempotency.service';
import type { Services } from '../app-services';
import { uploadedFiles } from '../middleware/multipart';

export const idempotencyHeader = 'Idempotency-Key';

async function fileDigest(file: Express.Multer.File): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file.path)) hash.update(chunk as Buffer);
  return `${file.originalname}:${hash.digest('hex')}`;
}

function replay(res: Response, response: { status: number; body: unknown; location: string | null }): void {
  if (response.location) res.location(response.location);
  res.set('Idempotent-Replayed', 'true').status(response.status).json(response.body);
}

/**
 * `Idempotency-Key` on a creating call (after the token check, and after the multipart parser
 * where files come): the first request with a key runs and its 2xx answer is kept for 24 hours;
 * a repeat with the same body gets that answer again (same status and body) without creating
 * anything, a different body with the same key is a 422, and a repeat while the first still runs
 * a 409. An answer that created nothing (4xx, 5xx) frees the key, so a retry runs again.
 * Without the header the call runs as before.
 */
export function idempotent(services: Services): RequestHandler {
  return async (req: Request, res: Response, next) => {
    const key = req.get(idempotencyHeader);
    if (key === undefined) return next();
    if (!idempotencyKeyPattern.test(key))
      throw new AppError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 191 visible ASCII characters.');
    const tokenId = res.locals.apiTokenId as number;
    const files = await Promise.all(uploadedFiles(req).map(fileDigest));
    const fingerprint = requestFingerprint(req.method, req.originalUrl.split('?')[0]!, req.body ?? null, files);
    const claim = await claimIdempotencyKey(services.db, tokenId, key, fingerprint, services.clock.now());
    if (claim.kind === 'replay') return replay(res, claim.response);
    if (claim.kind === 'reused')
      throw new AppError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request.');
    if (claim.kind === 'in_progress') {
      res.set('Retry-After', '1');
      throw new AppError(
        409,
        'idempotency_key_in_progress',
        'A request with this Idempotency-Key is still running; retry shortly.',
      );
    }
    const send = res.json.bind(res);
    res.json = ((body: unknown) => {
      res.json = send;
      const status = res.statusCode;
      const kept =
        status >= 200 && status < 300
          ? completeIdempotencyKey(services.db, claim.id, { status, body, location: res.get('Location') ?? null })
          : releaseIdempotencyKey(services.db, claim.id);
      // The answer goes out even when keeping it failed: the thing exists, the client must learn so.
      kept
        .catch((err: unknown) => services.logger.warn({ err }, 'idempotency key not recorded'))
        .finally(() => send(body));
      return res;
    }) as Response['json'];
    next();
  };
}
