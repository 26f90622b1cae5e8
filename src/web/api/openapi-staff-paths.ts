import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import * as c from './customer-api.schema';
import * as s from './staff-api.schema';
import { always, error, json, staffOp, ticketAnswer, ticketPath, withFiles } from './openapi-ops';

/** The staff paths of /api/v1 (catalog, tickets, customers), with the customer's reads of their own ticket. */
export const staffPaths: ZodOpenApiPathsObject = {
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
};
