import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { idempotencyHeader } from './idempotency';
import { apiErrorHeaders, apiErrorStatuses, type ApiErrorStatus } from './api-errors';
import * as c from './customer-api.schema';
import * as s from './staff-api.schema';
import * as k from './kb-api.schema';

/**
 * The OpenAPI 3.1 document of /api/v1, generated from the zod schemas the routes validate and
 * answer with, and the error statuses each route can give (api-errors.ts). Tests check that
 * every route is described and that every documented status of every operation happens.
 */

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const error = (status: ApiErrorStatus) => {
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
const always: ApiErrorStatus[] = ['503'];
const bearer = [{ bearer: [] }];
const idempotencyKey = z.string().min(1).max(191).optional().meta({
  description:
    'Makes a retry safe: a repeat with the same key and body answers the first response again (for 24 hours) instead of creating a second one; a different body with the key is a 422.',
});

type Op = {
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
function staffOp(op: Op): ZodOpenApiOperationObject {
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
const ticketAnswer = (description: string) => ({ '200': { description, ...json(s.ticketEnvelope) } });
const files = z
  .array(z.string().meta({ format: 'binary' }))
  .max(20)
  .optional()
  .meta({ description: 'Files, checked against the attachment settings (size, count, types).' });
const withFiles = (body: z.ZodObject) => z.object({ ...body.shape, attachments: files });
const ticketPath = s.ticketParams;

/**
 * A knowledge-base read anyone may make: no token needed (one that is sent is checked, hence 401
 * and 403), budgeted per client (429), 404 for what customers may not see or a switched-off
 * knowledge base.
 */
function kbReadOp(op: {
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
const kbStaff = (op: Op): ZodOpenApiOperationObject => ({
  ...staffOp({ ...op, capability: 'kb.manage' }),
  tags: ['Staff', 'Knowledge base'],
});

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
      '/me': {
        get: staffOp({
          summary: 'The token\u2019s staff member',
          capability: 'tickets.view',
          ok: { '200': { description: 'Who the token acts for.', ...json(s.me) } },
        }),
      },
      '/statuses': {
        get: staffOp({
          summary: 'Statuses',
          capability: 'tickets.view',
          description: 'The status keys the list filter, PATCH and replies take, with the names the staff pages show.',
          ok: { '200': { description: 'Every status.', ...json(s.statusList) } },
        }),
      },
      '/priorities': {
        get: staffOp({
          summary: 'Priorities',
          capability: 'tickets.view',
          ok: { '200': { description: 'Every priority, lowest first.', ...json(s.priorityList) } },
        }),
      },
      '/categories': {
        get: staffOp({
          summary: 'Categories',
          capability: 'tickets.view',
          description: 'The active categories the token\u2019s owner may work.',
          ok: { '200': { description: 'Categories in reach.', ...json(s.categoryList) } },
        }),
      },
      '/tickets': {
        get: staffOp({
          summary: 'List tickets',
          capability: 'tickets.view',
          description:
            'The staff ticket list: the same filters, sorting and paging as /admin/tickets. Only tickets of categories the token\u2019s owner may see are listed and counted.',
          query: s.listQuery,
          ok: { '200': { description: 'One page of tickets.', ...json(s.ticketList) } },
        }),
        post: staffOp({
          summary: 'Open a ticket for a customer',
          capability: 'tickets.reply',
          description:
            'For programs (a website\u2019s contact form, a shop): the web form\u2019s validation, bans and submission limits apply; its anti-spam question, fill time and honeypot do not (the token vouches for the program). Mails the customer their tracking ID as the web form does.',
          body: c.ticketSubmission,
          creates: true,
          ok: { '201': { description: 'Created.', ...json(z.object({ ticket: c.customerTicket })) } },
        }),
      },
      '/tickets/{ticket}': {
        get: {
          summary: 'Read a ticket (staff with a token, or the customer with the e-mail address)',
          tags: ['Staff', 'Customer'],
          description:
            'With a Bearer token: the staff view (needs `tickets.view`); `{ticket}` is the id or the tracking ID. Without a token: the customer view; `{ticket}` is the tracking ID and `email` the customer\u2019s address (failed lookups are limited per address).',
          security: [{ bearer: [] }, {}],
          requestParams: { path: ticketPath, query: c.customerLookupQuery },
          responses: {
            '200': {
              description:
                'The ticket: `Ticket` for staff, `CustomerTicket` (with the conversation, no notes) for the customer.',
              ...json(z.object({ ticket: z.union([s.ticketDetail, c.customerTicket]) })),
            },
            ...Object.fromEntries((['400', '401', '403', '404', '429', ...always] as const).map((x) => [x, error(x)])),
          },
        },
        patch: staffOp({
          summary: 'Change status, priority, due date, owner or category',
          capability: 'tickets.view',
          description:
            'Each given property is changed as on the ticket page, with its own history event; all or nothing (one refused value changes nothing). Status, priority and due date need `tickets.reply`; an owner other than oneself `tickets.assign_others`; the category `tickets.change_category`.',
          path: ticketPath,
          body: s.patchBody,
          workable: true,
          ok: ticketAnswer('The ticket after the change.'),
        }),
      },
      '/tickets/{ticket}/messages': {
        get: staffOp({
          summary: 'The conversation',
          capability: 'tickets.view',
          description: 'Customer messages, replies and internal notes, oldest first, with their files.',
          path: ticketPath,
          ok: { '200': { description: 'Every message.', ...json(s.messageList) } },
        }),
      },
      '/tickets/{ticket}/replies': {
        post: staffOp({
          summary: 'Reply to the customer',
          capability: 'tickets.reply',
          description:
            'Stored as sent and mailed to the customer; the ticket gets the given status (default `replied`). Send JSON, or multipart/form-data with the files in `attachments`.',
          path: ticketPath,
          body: s.replyBody,
          multipart: withFiles(s.replyBody),
          creates: true,
          workable: true,
          ok: { '201': { description: 'The reply.', ...json(s.messageEnvelope) } },
        }),
      },
      '/tickets/{ticket}/notes': {
        post: staffOp({
          summary: 'Add an internal note',
          capability: 'tickets.reply',
          description:
            'Never shown or mailed to the customer. Send JSON, or multipart/form-data with the files in `attachments`.',
          path: ticketPath,
          body: s.noteBody,
          multipart: withFiles(s.noteBody),
          creates: true,
          workable: true,
          ok: { '201': { description: 'The note.', ...json(s.messageEnvelope) } },
        }),
      },
      '/tickets/{ticket}/attachments/{attachment}': {
        get: {
          ...staffOp({
            summary: 'Download a file (staff with a token, or the customer with the e-mail address)',
            capability: 'tickets.view',
            description:
              'With a Bearer token: a file of any message of the ticket, notes\u2019 included. Without one: a file of the conversation, with `{ticket}` the tracking ID and `email` the customer\u2019s address (as for reading the ticket). Always a download (`Content-Disposition: attachment`).',
            path: ticketPath.extend(c.attachmentParams.shape),
            query: c.customerLookupQuery,
            ok: {
              '200': {
                description: 'The file.',
                content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } },
              },
            },
          }),
          tags: ['Staff', 'Customer'],
          security: [{ bearer: [] }, {}],
        },
      },
      '/tickets/{ticket}/assign': {
        post: staffOp({
          summary: 'Assign',
          capability: 'tickets.view',
          description:
            'To oneself (`"me"`, needs `tickets.reply`), to someone who may work the category (needs `tickets.assign_others`), or to nobody (`null`).',
          path: ticketPath,
          body: s.assignBody,
          workable: true,
          ok: ticketAnswer('The ticket after the change.'),
        }),
      },
      '/tickets/{ticket}/status': {
        post: staffOp({
          summary: 'Change the status',
          capability: 'tickets.reply',
          path: ticketPath,
          body: s.statusBody,
          workable: true,
          ok: ticketAnswer('The ticket after the change.'),
        }),
      },
      '/tickets/{ticket}/merge': {
        post: staffOp({
          summary: 'Merge into another ticket',
          capability: 'tickets.merge',
          description:
            'Moves this ticket\u2019s conversation, files, history and missing field values to `into` and closes this one. Refused (400) into itself or with an already merged ticket.',
          path: ticketPath,
          body: s.mergeBody,
          ok: ticketAnswer('The surviving ticket.'),
        }),
      },
      '/tickets/{ticket}/escalate': {
        post: staffOp({
          summary: 'Escalate to the next tier',
          capability: 'tickets.reply',
          description:
            'Moves the ticket to its category\u2019s escalation target, clears the owner and tells that tier\u2019s staff.',
          path: ticketPath,
          body: s.escalateBody,
          workable: true,
          ok: ticketAnswer('The ticket after the escalation.'),
        }),
      },
      '/customers': {
        get: staffOp({
          summary: 'Find a customer by e-mail address',
          capability: 'tickets.view',
          description: 'The exact address; an empty list when there is no such customer (or none in reach).',
          query: c.customerQuery,
          ok: { '200': { description: 'The customer, or none.', ...json(c.customerList) } },
        }),
      },
      '/customers/{customer}': {
        get: staffOp({
          summary: 'A customer',
          capability: 'tickets.view',
          description: 'A staff member limited to some categories sees only customers with a ticket there.',
          path: c.customerParams,
          ok: { '200': { description: 'The customer.', ...json(c.customerEnvelope) } },
        }),
      },
      '/customers/{customer}/tickets': {
        get: staffOp({
          summary: 'A customer\u2019s tickets',
          capability: 'tickets.view',
          description: 'Newest first, every status, only in categories the token\u2019s owner may see.',
          path: c.customerParams,
          query: c.customerTicketsQuery,
          ok: { '200': { description: 'One page of tickets.', ...json(s.ticketList) } },
        }),
      },
      '/kb/categories': {
        get: kbReadOp({
          summary: 'Knowledge-base categories',
          description:
            'The categories customers may see (not staff-only ones, nor any below one), each with its number of published articles.',
          query: k.kbLanguageQuery,
          ok: { '200': { description: 'Every visible category.', ...json(k.kbCategoryList) } },
        }),
        post: kbStaff({
          summary: 'Create a knowledge-base category',
          capability: 'kb.manage',
          body: k.kbCategoryCreate,
          creates: true,
          ok: { '201': { description: 'Created.', ...json(k.kbStaffCategoryEnvelope) } },
        }),
      },
      '/kb/categories/{category}': {
        patch: kbStaff({
          summary: 'Change a knowledge-base category',
          capability: 'kb.manage',
          description: 'The given fields only. A category cannot move below itself.',
          path: k.kbCategoryParams,
          body: k.kbCategoryPatch,
          ok: { '200': { description: 'The category after the change.', ...json(k.kbStaffCategoryEnvelope) } },
        }),
        delete: kbStaff({
          summary: 'Delete a knowledge-base category',
          capability: 'kb.manage',
          description: 'Only an empty one (409 `kb_category_not_empty` otherwise).',
          path: k.kbCategoryParams,
          extra: ['409'],
          ok: { '204': { description: 'Deleted.' } },
        }),
      },
      '/kb/articles': {
        get: kbReadOp({
          summary: 'Published articles',
          description:
            'One page of the articles customers may read: of one category (pinned first, then in the editors\u2019 order), or of all (latest change first).',
          query: k.kbListQuery,
          ok: { '200': { description: 'One page.', ...json(k.kbArticleList) } },
        }),
        post: kbStaff({
          summary: 'Create an article',
          capability: 'kb.manage',
          description:
            'With its first language version. Checked as in the editor at /admin/kb; recorded in the audit log.',
          body: k.kbArticleCreate,
          creates: true,
          ok: { '201': { description: 'Created.', ...json(k.kbStaffArticleEnvelope) } },
        }),
      },
      '/kb/articles/search': {
        get: kbReadOp({
          summary: 'Search published articles',
          description:
            'Ranked full-text search, as the help desk\u2019s search page (keywords above titles above text; every word a prefix; when no article has every word, those with some). Searches are kept for the owner\u2019s numbers as the page\u2019s are.',
          query: k.kbSearchQuery,
          ok: { '200': { description: 'One page of results, best first.', ...json(k.kbSearchResults) } },
        }),
      },
      '/kb/articles/{article}': {
        get: kbReadOp({
          summary: 'Read an article',
          description:
            'Without a token: a published article in a category customers may see (anything else is 404), in the asked language or the default one. With a token of a staff member who has `kb.manage`: any article with every language version (`KbStaffArticle`).',
          path: k.kbArticleParams,
          query: k.kbLanguageQuery,
          ok: {
            '200': {
              description: 'The article: `KbArticle` for customers, `KbStaffArticle` for its editors.',
              ...json(k.kbArticleEnvelope),
            },
          },
        }),
        patch: kbStaff({
          summary: 'Change an article',
          capability: 'kb.manage',
          description:
            'The given fields only, with the `revision` last read (older clients: the `updatedAt` last read): when someone saved the article since, on the page or through the API, nothing changes and the answer is 409 `kb_article_changed`. Recorded in the audit log.',
          path: k.kbArticleParams,
          body: k.kbArticlePatch,
          extra: ['409'],
          ok: { '200': { description: 'The article after the change.', ...json(k.kbStaffArticleEnvelope) } },
        }),
        delete: kbStaff({
          summary: 'Delete an article',
          capability: 'kb.manage',
          description: 'With every language version, its counters and its files. Recorded in the audit log.',
          path: k.kbArticleParams,
          ok: { '204': { description: 'Deleted.' } },
        }),
      },
      '/kb/articles/{article}/files': {
        get: kbReadOp({
          summary: 'An article\u2019s images and files',
          description:
            'Without a token: the files of a published article in a category customers may see (anything else is 404). With a token of a staff member who has `kb.manage`: any article\u2019s. Uploading is done in the editor at /admin/kb.',
          path: k.kbArticleParams,
          query: k.kbFilesQuery,
          ok: { '200': { description: 'Every file of the article, oldest first.', ...json(k.kbFileList) } },
        }),
      },
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
