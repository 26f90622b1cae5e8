import { createDocument } from 'zod-openapi';
import { always, error } from './openapi-ops';
import { kbPaths } from './openapi-kb-paths';
import { staffPaths } from './openapi-staff-paths';

/**
 * The OpenAPI 3.1 document of /api/v1, generated from the zod schemas the routes validate and
 * answer with, and the error statuses each route can give (api-errors.ts). Tests check that
 * every route is described and that every documented status of every operation happens.
 */

let cached: ReturnType<typeof createDocument> | undefined;

export function openApiDocument(): ReturnType<typeof createDocument> {
  cached ??= createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Tessera REST API',
      version: '1.0.0',
      description:
        'Staff endpoints need a personal API token (created at /admin/api-tokens) as `Authorization: Bearer tsr_…`; they act with that staff member\u2019s role and category access. Errors are `{"error":{"code","message"}}`. See docs/api.md.',
    },
    servers: [{ url: '/api/v1' }],
    tags: [
      { name: 'Staff', description: 'Working tickets with a staff API token.' },
      { name: 'Customer', description: 'Following a ticket without an account.' },
      {
        name: 'Knowledge base',
        description:
          'Reading published articles without a token; writing them with a token of a staff member who manages the knowledge base.',
      },
    ],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A personal API token: tsr_ followed by 43 characters.',
        },
      },
    },
    paths: {
      ...staffPaths,
      ...kbPaths,
      '/openapi.json': {
        get: {
          summary: 'This document',
          tags: ['Customer', 'Staff'],
          security: [{}],
          responses: {
            '200': { description: 'OpenAPI 3.1.', content: { 'application/json': { schema: { type: 'object' } } } },
            ...Object.fromEntries(always.map((x) => [x, error(x)])),
          },
        },
      },
    },
  });
  return cached;
}
