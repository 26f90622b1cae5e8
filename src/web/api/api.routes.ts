import express, { Router } from 'express';
import type { Services } from '../app-services';
import { customerTicketsApi } from './customer-tickets.api';

/**
 * /api/v1: JSON in and out. It never reads the session cookie, so it needs no CSRF token;
 * staff endpoints will authenticate with Bearer tokens.
 */
export function apiRoutes(services: Services): Router {
  const router = Router();
  router.use(express.json({ limit: '1mb', strict: true }));
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(customerTicketsApi(services));
  return router;
}
