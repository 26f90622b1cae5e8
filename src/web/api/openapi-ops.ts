import { z } from 'zod';
import type { ZodOpenApiOperationObject, ZodOpenApiResponsesObject } from 'zod-openapi';
import { idempotencyHeader } from './idempotency';
import { apiErrorHeaders, apiErrorStatuses, type ApiErrorStatus } from './api-errors';
import * as s from './staff-api.schema';

/** The building blocks of the OpenAPI document's operations (openapi.ts): answers, errors, inputs. */
export const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
export const error = (status: ApiErrorStatus) => {
  const headers = apiErrorHeaders[status];
  return {
    description: apiErrorStatuses[status],
    ...json(s.apiError),
    ...(headers
      ? {
          headers: Object.fromEntries(
            Object.entries(headers).map(([name, description]) => [
              name,
              { required: true, schema: { type: 'string' as const }, description },
            ]),
          ),
        }
      : {}),
  };
};
/** Any request can meet a database that is down or a help desk being upgraded. */
export const always: ApiErrorStatus[] = ['503'];
export const bearer = [{ bearer: [] }];
const idempotencyKey = z.string().min(1).max(191).optional().meta({
  description:
    'Makes a retry safe: a repeat with the same key and body answers the first response again (for 24 hours) instead of creating a second one; a different body with the key is a 422.',
});

export type Op = {
  summary: string;
  description?: string;
  capability: string;
  path?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** A message with files: multipart/form-data besides JSON. */
  multipart?: z.ZodObject;
  creates?: boolean;
  /** Changes a ticket: a merged one answers 409. */
  workable?: boolean;
  ok: ZodOpenApiResponsesObject;
  extra?: ApiErrorStatus[];
};

/** A staff operation: Bearer token, its inputs, its answer and exactly the errors it can give. */
export function staffOp(op: Op): ZodOpenApiOperationObject {
  const statuses = new Set<ApiErrorStatus>(['401', '403', '429', ...always, ...(op.extra ?? [])]);
  if (op.path || op.query || op.body) statuses.add('400');
  if (op.path) statuses.add('404');
  if (op.body) for (const x of ['413', '415'] as const) statuses.add(x);
  if (op.creates) for (const x of ['409', '422'] as const) statuses.add(x);
  if (op.workable) statuses.add('409');
  const content = op.body
    ? {
        'application/json': { schema: op.body },
        ...(op.multipart ? { 'multipart/form-data': { schema: op.multipart } } : {}),
      }
    : undefined;
  return {
    summary: op.summary,
    description: `${op.description ? `${op.description}\n\n` : ''}Needs the capability \`${op.capability}\`.`,
    tags: ['Staff'],
    security: bearer,
    ...(op.path || op.query || op.creates
      ? {
          requestParams: {
            ...(op.path ? { path: op.path } : {}),
            ...(op.query ? { query: op.query } : {}),
            ...(op.creates ? { header: z.object({ [idempotencyHeader]: idempotencyKey }) } : {}),
          },
        }
      : {}),
    ...(content ? { requestBody: { content } } : {}),
    responses: { ...op.ok, ...Object.fromEntries([...statuses].sort().map((x) => [x, error(x)])) },
  };
}
export const ticketAnswer = (description: string) => ({ '200': { description, ...json(s.ticketEnvelope) } });
const files = z
  .array(z.string().meta({ format: 'binary' }))
  .max(20)
  .optional()
  .meta({ description: 'Files, checked against the attachment settings (size, count, types).' });
export const withFiles = (body: z.ZodObject) => z.object({ ...body.shape, attachments: files });
export const ticketPath = s.ticketParams;

/**
 * A knowledge-base read anyone may make: no token needed (one that is sent is checked, hence 401
 * and 403), budgeted per client (429), 404 for what customers may not see or a switched-off
 * knowledge base.
 */
export function kbReadOp(op: {
  summary: string;
  description: string;
  path?: z.ZodObject;
  query: z.ZodObject;
  ok: ZodOpenApiResponsesObject;
}): ZodOpenApiOperationObject {
  return {
    summary: op.summary,
    description: op.description,
    tags: ['Knowledge base'],
    security: [{}, { bearer: [] }],
    requestParams: { ...(op.path ? { path: op.path } : {}), query: op.query },
    responses: {
      ...op.ok,
      ...Object.fromEntries((['400', '401', '403', '404', '429', ...always] as const).map((x) => [x, error(x)])),
    },
  };
}
export const kbStaff = (op: Op): ZodOpenApiOperationObject => ({
  ...staffOp({ ...op, capability: 'kb.manage' }),
  tags: ['Staff', 'Knowledge base'],
});
