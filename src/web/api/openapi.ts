import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import * as s from './staff-api.schema';

/**
 * The OpenAPI 3.1 document of /api/v1, generated from the zod schemas the routes validate and
 * answer with. A test checks that every route the API router registers is described here.
 */

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(s.apiError) });
const problems = {
  '400': error('Invalid input: `validation_failed` with a problem per field in `error.fields` (unknown fields are refused), or a body that is not JSON.'),
  '401': { ...error('No token, or a wrong, expired or revoked token, or a deactivated account.'), headers: { 'WWW-Authenticate': { schema: { type: 'string' as const }, description: 'Bearer realm="tessera"' } } },
  '403': error('The role of the token\u2019s owner does not include this action.'),
  '429': error('Too many failed token attempts from this address; see Retry-After.'),
} satisfies ZodOpenApiResponsesObject;
const notFound = { '404': error('No such ticket, or one in a category the token\u2019s owner may not see (the same answer).') };
const bearer = [{ bearer: [] }];

/** A staff operation: Bearer token, the errors every staff endpoint may give, its own answers. */
function staffOp(summary: string, capability: string, op: Omit<ZodOpenApiOperationObject, 'responses'> & { responses: ZodOpenApiResponsesObject }, onTicket = true): ZodOpenApiOperationObject {
  return {
    ...op,
    summary,
    description: `${op.description ? `${op.description}\n\n` : ''}Needs the capability \`${capability}\`.`,
    tags: ['Staff'],
    security: bearer,
    ...(onTicket ? { requestParams: { ...op.requestParams, path: s.ticketParams } } : {}),
    responses: { ...op.responses, ...problems, ...(onTicket ? notFound : {}) },
  };
}
const ticketAnswer = (description: string) => ({ '200': { description, ...json(s.ticketEnvelope) } });

const customerTicket = z
  .object({
    trackingId: z.string(),
    subject: z.string(),
    status: z.string(),
    priority: z.string(),
    category: z.object({ id: z.number().int(), name: z.string() }),
    createdAt: z.string(),
    updatedAt: z.string(),
    resolvedAt: z.string().nullable(),
    messages: z.array(z.object({ id: z.number().int(), from: z.enum(['customer', 'staff']), author: z.string(), body: z.string(), createdAt: z.string(), rating: z.number().int().nullable().optional(), attachments: z.array(z.object({ id: z.number().int(), fileName: z.string(), size: z.number().int(), contentType: z.string() })) })).optional(),
  })
  .meta({ id: 'CustomerTicket' });
const customerSubmission = z.object({
  name: z.string().max(100),
  email: z.string().meta({ format: 'email' }),
  category: z.number().int().meta({ description: 'A public category id.' }),
  subject: z.string().max(200),
  message: z.string().max(50_000),
  priority: z.string().optional(),
  language: z.enum(['en', 'sk', 'ru', 'hu', 'lv']).optional(),
  fields: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional().meta({ description: 'Custom field values by field id.' }),
});

let cached: ReturnType<typeof createDocument> | undefined;

export function openApiDocument(): ReturnType<typeof createDocument> {
  cached ??= createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Tessera REST API',
      version: '1.0.0',
      description: 'Staff endpoints need a personal API token (created at /admin/api-tokens) as `Authorization: Bearer tsr_…`; they act with that staff member\u2019s role and category access. Errors are `{"error":{"code","message"}}`. See docs/api.md.',
    },
    servers: [{ url: '/api/v1' }],
    tags: [{ name: 'Staff', description: 'Working tickets with a staff API token.' }, { name: 'Customer', description: 'Opening and following a ticket without an account.' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A personal API token: tsr_ followed by 43 characters.' } } },
    paths: {
      '/me': { get: staffOp('The token\u2019s staff member', 'tickets.view', { responses: { '200': { description: 'Who the token acts for.', ...json(s.me) } } }, false) },
      '/statuses': { get: staffOp('Statuses', 'tickets.view', { description: 'The status keys the list filter, PATCH and replies take.', responses: { '200': { description: 'Every status.', ...json(s.statusList) } } }, false) },
      '/priorities': { get: staffOp('Priorities', 'tickets.view', { responses: { '200': { description: 'Every priority, lowest first.', ...json(s.priorityList) } } }, false) },
      '/categories': { get: staffOp('Categories', 'tickets.view', { description: 'The active categories the token\u2019s owner may work.', responses: { '200': { description: 'Categories in reach.', ...json(s.categoryList) } } }, false) },
      '/tickets': {
        get: staffOp('List tickets', 'tickets.view', {
          description: 'The staff ticket list: the same filters, sorting and paging as /admin/tickets. Only tickets of categories the token\u2019s owner may see are listed and counted.',
          requestParams: { query: s.listQuery },
          responses: { '200': { description: 'One page of tickets.', ...json(s.ticketList) } },
        }, false),
        post: {
          summary: 'Open a ticket (customer)',
          tags: ['Customer'],
          description: 'The web form\u2019s rules apply (validation, bans, limits). Sending the same submission again answers 200 with the ticket it made.',
          requestBody: json(customerSubmission),
          responses: { '201': { description: 'Created.', ...json(z.object({ ticket: customerTicket })) }, '200': { description: 'Already created.', ...json(z.object({ ticket: customerTicket })) }, '400': problems['400'], '415': error('Not JSON.'), '429': error('Too many submissions.') },
        },
      },
      '/tickets/{ticket}': {
        get: {
          summary: 'Read a ticket (staff with a token, or the customer with the e-mail address)',
          tags: ['Staff', 'Customer'],
          description: 'With a Bearer token: the staff view (needs `tickets.view`); `{ticket}` is the id or the tracking ID. Without a token: the customer view; `{ticket}` is the tracking ID and `email` the customer\u2019s address (failed lookups are limited per address).',
          security: [{ bearer: [] }, {}],
          requestParams: { path: s.ticketParams, query: z.object({ email: z.string().optional().meta({ description: 'Without a token: the customer\u2019s e-mail address.' }) }) },
          responses: {
            '200': { description: 'The ticket: `Ticket` for staff, `CustomerTicket` (with the conversation, no notes) for the customer.', ...json(z.object({ ticket: z.union([s.ticketDetail, customerTicket]) })) },
            ...problems,
            ...notFound,
          },
        },
        patch: staffOp('Change status, priority, due date, owner or category', 'tickets.view', {
          description: 'Each given property is changed as on the ticket page, with its own history event; all or nothing (one refused value changes nothing). Status, priority and due date need `tickets.reply`; an owner other than oneself `tickets.assign_others`; the category `tickets.change_category`.',
          requestBody: json(s.patchBody),
          responses: ticketAnswer('The ticket after the change.'),
        }),
      },
      '/tickets/{ticket}/messages': {
        get: staffOp('The conversation', 'tickets.view', { description: 'Customer messages, replies and internal notes, oldest first.', responses: { '200': { description: 'Every message.', ...json(s.messageList) } } }),
      },
      '/tickets/{ticket}/replies': {
        post: staffOp('Reply to the customer', 'tickets.reply', {
          description: 'Stored as sent and mailed to the customer; the ticket gets the given status (default `replied`).',
          requestBody: json(s.replyBody),
          responses: { '201': { description: 'The reply.', ...json(s.messageEnvelope) } },
        }),
      },
      '/tickets/{ticket}/notes': {
        post: staffOp('Add an internal note', 'tickets.reply', { description: 'Never shown or mailed to the customer.', requestBody: json(s.noteBody), responses: { '201': { description: 'The note.', ...json(s.messageEnvelope) } } }),
      },
      '/tickets/{ticket}/assign': {
        post: staffOp('Assign', 'tickets.reply', {
          description: 'To oneself (`"me"`), to someone who may work the category (needs `tickets.assign_others`), or to nobody (`null`).',
          requestBody: json(s.assignBody),
          responses: ticketAnswer('The ticket after the change.'),
        }),
      },
      '/tickets/{ticket}/status': {
        post: staffOp('Change the status', 'tickets.reply', { requestBody: json(s.statusBody), responses: ticketAnswer('The ticket after the change.') }),
      },
      '/tickets/{ticket}/merge': {
        post: staffOp('Merge into another ticket', 'tickets.merge', {
          description: 'Moves this ticket\u2019s conversation, files, history and missing field values to `into` and closes this one. Refused into itself or with an already merged ticket.',
          requestBody: json(s.mergeBody),
          responses: ticketAnswer('The surviving ticket.'),
        }),
      },
      '/tickets/{ticket}/escalate': {
        post: staffOp('Escalate to the next tier', 'tickets.reply', {
          description: 'Moves the ticket to its category\u2019s escalation target, clears the owner and tells that tier\u2019s staff.',
          requestBody: json(s.escalateBody),
          responses: ticketAnswer('The ticket after the escalation.'),
        }),
      },
      '/openapi.json': {
        get: { summary: 'This document', tags: ['Customer', 'Staff'], security: [{}], responses: { '200': { description: 'OpenAPI 3.1.', content: { 'application/json': { schema: { type: 'object' } } } } } },
      },
    },
  });
  return cached;
}
