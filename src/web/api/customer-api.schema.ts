import { z } from 'zod';
import 'zod-openapi';
import { languageCodes } from '../../i18n/i18n';
import { submissionSchema } from '../../tickets/submission.schema';

/**
 * Customer-facing API shapes: the ticket a program opens for a customer (validated with the
 * web form's own field schemas, so the limits are one), the customer's view of a ticket, and the
 * customer records staff look up. Routes validate with these and the OpenAPI document shows them.
 */

const f = submissionSchema.shape;
export const ticketSubmission = z.strictObject({
  name: f.name,
  email: f.email.meta({ format: 'email', maxLength: 254 }),
  category: f.category.meta({ description: 'A public category id.' }),
  subject: f.subject,
  message: f.message,
  priority: f.priority.meta({ description: 'A priority key; used when the customer form lets customers choose one.' }),
  language: z
    .enum(languageCodes)
    .optional()
    .meta({ description: 'The customer\u2019s language for mails (default: the help desk\u2019s).' }),
  fields: z
    .record(z.string().regex(/^\d{1,9}$/), z.union([z.string().max(5000), z.array(z.string().max(500)).max(50)]))
    .optional()
    .meta({ description: 'Custom field values by field id.' }),
});

const attachment = z
  .object({ id: z.number().int(), fileName: z.string(), size: z.number().int(), contentType: z.string() })
  .meta({ id: 'Attachment' });
export const attachmentList = z.array(attachment);

export const customerTicket = z
  .object({
    trackingId: z.string(),
    subject: z.string(),
    status: z.string(),
    priority: z.string(),
    category: z.object({ id: z.number().int(), name: z.string() }),
    createdAt: z.string(),
    updatedAt: z.string(),
    resolvedAt: z.string().nullable(),
    messages: z
      .array(
        z.object({
          id: z.number().int(),
          from: z.enum(['customer', 'staff']),
          author: z.string(),
          body: z.string(),
          createdAt: z.string(),
          rating: z.number().int().nullable().optional(),
          attachments: attachmentList,
        }),
      )
      .optional(),
  })
  .meta({ id: 'CustomerTicket' });

export const customerParams = z.object({
  customer: z
    .string()
    .regex(/^\d{1,12}$/)
    .meta({ description: 'The customer id.' }),
});
export const customerQuery = z.strictObject({
  email: z.string().min(3).max(254).meta({ description: 'The exact e-mail address (case does not matter).' }),
});
export const customer = z
  .object({ id: z.number().int(), name: z.string(), email: z.string(), language: z.string(), createdAt: z.string() })
  .meta({ id: 'Customer' });
export const customerList = z.object({ items: z.array(customer) });
export const customerEnvelope = z.object({ customer });
export const attachmentParams = z.object({
  attachment: z
    .string()
    .regex(/^\d{1,12}$/)
    .meta({ description: 'The attachment id.' }),
});
export const customerTicketsQuery = z.strictObject({
  page: z
    .string()
    .regex(/^\d{1,3}$/)
    .refine((v) => Number(v) >= 1 && Number(v) <= 400)
    .optional()
    .meta({ description: 'Page number (50 tickets a page, newest first), 1 to 400.' }),
});
export const customerLookupQuery = z.object({
  email: z.string().max(254).optional().meta({ description: 'Without a token: the customer\u2019s e-mail address.' }),
});
