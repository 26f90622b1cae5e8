import express, { Router } from 'express';
import { AppError } from '../../errors';
import type { Services } from '../app-services';
import { customerTicketsApi } from './customer-tickets.api';
import { refuseNul } from '../middleware/no-nul';
import { kbApi } from './kb.api';
import { openApiDocument } from './openapi';
import { staffCatalogApi } from './staff-catalog.api';
import { staffCustomersApi } from './staff-customers.api';
import { staffTicketsApi } from './staff-tickets.api';

/**
 * /api/v1: JSON in and out. It never reads the session cookie, so it needs no CSRF token;
 * staff endpoints authenticate with Bearer tokens (bearer-auth.ts, mounted before this router).
 */
/** The routes that take multipart/form-data: a reply or note with files. */
export const multipartPaths = /^\/tickets\/[^/]+\/(replies|notes)$/;

export function apiRoutes(services: Services): Router {
  const router = Router();
  // JSON only: a web page on another site cannot send JSON here without a CORS preflight, so
  // visitors' browsers cannot be used to post tickets from their addresses.
  // Messages may also come as multipart/form-data with files: those routes need a Bearer token,
  // which a cross-site form cannot send.
  router.use((req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.is('application/json')) return next();
    // A DELETE says everything in its path: without a body it needs no type.
    if (
      req.method === 'DELETE' &&
      req.get('transfer-encoding') === undefined &&
      Number(req.get('content-length') ?? 0) === 0
    )
      return next();
    if (req.is('multipart/form-data') && multipartPaths.test(req.path)) return next();
    next(
      new AppError(
        415,
        'unsupported_media_type',
        'Send JSON (Content-Type: application/json), or multipart/form-data for a message with files.',
      ),
    );
  });
  router.use(express.json({ limit: '1mb', strict: true }));
  router.use(refuseNul);
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  // Staff first: with a token, GET /tickets/:ticket is the staff view; without, the customer's.
  router.use(staffTicketsApi(services));
  router.use(staffCatalogApi(services));
  router.use(staffCustomersApi(services));
  router.use(customerTicketsApi(services));
  router.use(kbApi(services));
  return router;
}
