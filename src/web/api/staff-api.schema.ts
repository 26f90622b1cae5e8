import { z } from 'zod';
import 'zod-openapi'; // the OpenAPI keys of .meta() (id, param)
import { submissionSchema } from '../../tickets/submission.schema';
import { sortKeys } from '../../tickets/ticket-list.repo';

/**
 * The staff REST API's inputs and outputs. Routes validate with these schemas and the OpenAPI
 * document is generated from the very same ones, so the two cannot disagree.
 */

const digits = z.string().regex(/^\d{1,9}$/);
const key = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9_-]+$/);
const oneOrMany = <S extends z.ZodType>(item: S) => z.union([item, z.array(item).max(20)]);
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .meta({ description: 'A calendar day (YYYY-MM-DD) in the help desk\u2019s time zone.' });
const date = z.string().meta({ format: 'date-time', description: 'ISO 8601 in UTC' });

export const ticketParams = z.object({
  ticket: z.string().min(1).max(40).meta({
    description: 'The numeric ticket id (up to 9 digits) or the tracking ID, with or without dashes (`ABC-DEF-2345`).',
    example: '42',
  }),
});

export const listQuery = z.strictObject({
  q: z.string().max(200).optional().meta({
    description:
      'Search: a tracking ID, a customer address (or its start), or words of the subject, messages, custom fields and customer name.',
  }),
  status: oneOrMany(key).optional().meta({
    description:
      'Status keys (repeat the parameter for several). Without it the list shows open tickets; a search looks through all.',
  }),
  owner: z
    .string()
    .regex(/^(me|unassigned|anyone|\d{1,9})$/)
    .optional()
    .meta({ description: '`me`, `unassigned`, `anyone` (default) or a staff id.' }),
  category: digits.optional().meta({ description: 'A category id.' }),
  priority: key.optional().meta({ description: 'A priority key.' }),
  tier: z.enum(['1', '2', '3']).optional().meta({ description: 'Support tier.' }),
  tag: oneOrMany(z.string().min(1).max(60))
    .optional()
    .meta({ description: 'Tickets carrying every one of these tags.' }),
  created_from: day.optional(),
  created_to: day.optional(),
  updated_from: day.optional(),
  updated_to: day.optional(),
  due: z
    .enum(['overdue', 'soon'])
    .optional()
    .meta({ description: 'Due queues: past the due date, or due within the next hours (as on the dashboard).' }),
  due_from: day.optional(),
  due_to: day.optional(),
  sort: z.enum(sortKeys).optional().meta({
    description:
      'Sort column (default `updated`): any column but tags, each order made total by the ticket id. Name columns sort by the shown name, then newest update first; no value (no owner, no due date) sorts lowest.',
  }),
  dir: z.enum(['asc', 'desc']).optional().meta({ description: 'Sort direction (default `desc`).' }),
  size: z.enum(['25', '50', '100']).optional().meta({ description: 'Page size (default 25).' }),
  page: digits
    .refine((v) => Number(v) >= 1 && Number(v) <= 400)
    .optional()
    .meta({ description: 'Page number, 1 to 400.' }),
});

const messageText = submissionSchema.shape.message.meta({
  ...submissionSchema.shape.message.meta(),
  description: 'Plain text, stored exactly as sent (at most 50,000 characters); never rendered as HTML.',
});
export const replyBody = z.strictObject({
  body: messageText,
  status: key.optional().meta({ description: 'The status the ticket gets with the reply (default `replied`).' }),
});
export const noteBody = z.strictObject({ body: messageText });

const ownerId = z
  .union([z.number().int().positive().max(2_147_483_647), z.null()])
  .meta({ description: 'A staff id, or null for nobody.' });
export const patchBody = z
  .strictObject({
    status: key.optional(),
    priority: key.optional(),
    categoryId: z.number().int().positive().max(2_147_483_647).optional(),
    ownerId: ownerId.optional(),
    due: z
      .union([z.string().max(20), z.null()])
      .optional()
      .meta({
        description:
          'The due date as `YYYY-MM-DDTHH:MM` in the help desk\u2019s time zone (as the ticket page takes it), or null to clear it.',
        example: '2026-12-01T17:00',
      }),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'apiErrors.emptyPatch' });
export const assignBody = z.strictObject({
  ownerId: z.union([ownerId, z.literal('me')]).meta({ description: 'A staff id, `"me"`, or null to unassign.' }),
});
export const statusBody = z.strictObject({ status: key });
export const mergeBody = z.strictObject({
  into: z
    .union([z.number().int().positive().max(2_147_483_647), z.string().min(1).max(40)])
    .meta({ description: 'The surviving ticket: its id or tracking ID. This ticket is merged into it.' }),
});
export const escalateBody = z.strictObject({
  reason: z
    .string()
    .trim()
    .min(1)
    .max(2000)
    .meta({ description: 'Why the next tier should take over; kept in the history.' }),
});

// ---- Responses ---------------------------------------------------------------------------

const named = z.object({ id: z.number().int(), name: z.string() });
export const ticketSummary = z
  .object({
    id: z.number().int(),
    trackingId: z.string().meta({ example: 'ABC-DEF-2345' }),
    subject: z.string(),
    customer: z.object({ name: z.string(), email: z.string() }),
    category: z.object({ name: z.string() }),
    tier: z.number().int(),
    status: z.string(),
    priority: z.string(),
    owner: z.object({ name: z.string() }).nullable(),
    lastReplier: z.object({ type: z.enum(['customer', 'staff']), name: z.string().nullable() }),
    dueAt: date.nullable(),
    createdAt: date,
    updatedAt: date,
  })
  .meta({ id: 'TicketSummary' });

export const ticketList = z
  .object({
    items: z.array(ticketSummary),
    page: z.number().int(),
    size: z.number().int(),
    total: z.number().int().meta({ description: 'Matching tickets, counted up to 1,000.' }),
    totalCapped: z.boolean().meta({ description: 'True when more than 1,000 match (total then says 1000).' }),
    hasMore: z.boolean(),
  })
  .meta({ id: 'TicketList' });

export const ticketDetail = z
  .object({
    id: z.number().int(),
    trackingId: z.string(),
    subject: z.string(),
    customer: z.object({ id: z.number().int(), name: z.string(), email: z.string() }),
    category: named,
    tier: z.number().int(),
    status: z.string(),
    statusIsOpen: z.boolean(),
    priority: z.string(),
    owner: named.nullable(),
    language: z.string(),
    mergedIntoId: z.number().int().nullable().meta({ description: 'Set when this ticket was merged into another.' }),
    dueAt: date.nullable(),
    fields: z.array(
      z.object({ id: z.number().int(), label: z.string(), value: z.string(), visibleToCustomer: z.boolean() }),
    ),
    createdAt: date,
    updatedAt: date,
    resolvedAt: date.nullable(),
  })
  .meta({ id: 'Ticket' });
export const ticketEnvelope = z.object({ ticket: ticketDetail });

export const message = z
  .object({
    id: z.number().int(),
    kind: z
      .enum(['customer', 'staff', 'note'])
      .meta({ description: '`note` is internal: never shown or mailed to the customer.' }),
    author: z.string(),
    staffId: z.number().int().nullable(),
    body: z.string().meta({ description: 'As typed: plain text, to be shown escaped.' }),
    createdAt: date,
    attachments: z.array(
      z.object({ id: z.number().int(), fileName: z.string(), size: z.number().int(), contentType: z.string() }),
    ),
  })
  .meta({ id: 'Message' });
export const messageList = z.object({ items: z.array(message) });
export const messageEnvelope = z.object({ message });

export const me = z.object({
  id: z.number().int(),
  name: z.string(),
  email: z.string(),
  isAdmin: z.boolean(),
  capabilities: z.array(z.string()),
  token: z.object({ name: z.string(), expiresAt: date.nullable() }),
});

export const statusList = z.object({
  items: z.array(z.object({ key: z.string(), name: z.string(), isOpen: z.boolean() })),
});
export const priorityList = z.object({ items: z.array(z.object({ key: z.string(), name: z.string() })) });
export const categoryList = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      tier: z.number().int(),
      escalatesToId: z
        .number()
        .int()
        .nullable()
        .meta({ description: 'Where escalation moves a ticket of this category.' }),
    }),
  ),
});

export const apiError = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'not_found' }),
      message: z.string(),
      fields: z
        .record(z.string(), z.string())
        .optional()
        .meta({ description: 'For validation_failed: what is wrong with each field.' }),
    }),
  })
  .meta({ id: 'Error' });
