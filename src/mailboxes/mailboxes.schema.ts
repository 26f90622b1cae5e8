import { z } from 'zod';

export const mailProtocols = ['imap', 'pop3'] as const;
export const mailSecurities = ['tls', 'starttls', 'none'] as const;
export const afterImportActions = ['keep', 'mark_seen', 'move', 'delete'] as const;
/** POP3 has no flags nor folders: a message is kept (and remembered by its UIDL) or deleted. */
export const pop3AfterImport: readonly AfterImport[] = ['keep', 'delete'];

export type MailProtocol = (typeof mailProtocols)[number];
export type MailSecurity = (typeof mailSecurities)[number];
export type AfterImport = (typeof afterImportActions)[number];

/** No control characters (CR/LF would end an IMAP or POP3 command and start another). */
const noControls = (v: string) => !/[\u0000-\u001f\u007f]/.test(v);

const text = (max: number) =>
  z
    .string({ error: 'form.invalid' })
    .trim()
    .max(max, { error: 'form.tooLong' })
    .refine(noControls, { error: 'form.invalidCharacters' });

const optionalId = z
  .string({ error: 'form.invalid' })
  .trim()
  .regex(/^\d{0,9}$/, { error: 'form.invalid' })
  .transform((v) => (v === '' ? null : Number(v)));

const emailShape = /^[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;]+$/;

/**
 * The mailbox form. Every value arrives as a string; a value that arrives as a list or an
 * object is refused (400). The password may be left empty when editing: the stored one stays.
 */
export const mailboxFormSchema = z
  .object({
    name: text(100).pipe(z.string().min(1, { error: 'mailboxes.errors.nameRequired' })),
    protocol: z.enum(mailProtocols, { error: 'form.invalid' }),
    host: z
      .string({ error: 'form.invalid' })
      .trim()
      .min(1, { error: 'mailboxes.errors.hostRequired' })
      .max(255, { error: 'form.tooLong' })
      .regex(/^[A-Za-z0-9.:[\]_-]+$/, { error: 'mailboxes.errors.badHost' }),
    port: z
      .string({ error: 'form.invalid' })
      .trim()
      .regex(/^\d{1,5}$/, { error: 'mailboxes.errors.badPort' })
      .transform(Number)
      .refine((n) => n >= 1 && n <= 65535, { error: 'mailboxes.errors.badPort' }),
    security: z.enum(mailSecurities, { error: 'form.invalid' }),
    username: text(255).pipe(z.string().min(1, { error: 'mailboxes.errors.userRequired' })),
    password: z
      .string({ error: 'form.invalid' })
      .max(255, { error: 'form.tooLong' })
      .refine(noControls, { error: 'form.invalidCharacters' })
      .optional()
      .default(''),
    address: text(254)
      .refine((v) => v === '' || emailShape.test(v), { error: 'form.invalidEmail' })
      .transform((v) => v.toLowerCase())
      .optional()
      .default(''),
    folder: text(255).optional().default(''),
    after_import: z.enum(afterImportActions, { error: 'form.invalid' }),
    move_to: text(255).optional().default(''),
    category_id: optionalId.optional().default(null),
    priority_id: optionalId.optional().default(null),
    active: z.enum(['1'], { error: 'form.invalid' }).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.protocol === 'pop3' && !pop3AfterImport.includes(v.after_import)) {
      ctx.addIssue({ code: 'custom', path: ['after_import'], message: 'mailboxes.errors.pop3AfterImport' });
    }
    if (v.protocol === 'imap' && v.after_import === 'move') {
      if (v.move_to === '')
        ctx.addIssue({ code: 'custom', path: ['move_to'], message: 'mailboxes.errors.moveToRequired' });
      else if (v.move_to === (v.folder || 'INBOX'))
        ctx.addIssue({ code: 'custom', path: ['move_to'], message: 'mailboxes.errors.moveToSame' });
    }
  })
  .transform(({ address, folder, after_import, move_to, category_id, priority_id, active, ...same }) => ({
    ...same,
    address: address === '' ? null : address,
    folder: same.protocol === 'pop3' ? 'INBOX' : folder || 'INBOX',
    afterImport: after_import,
    moveTo: same.protocol === 'imap' && after_import === 'move' ? move_to : null,
    categoryId: category_id,
    priorityId: priority_id,
    active: active === '1',
  }));

export type MailboxInput = z.output<typeof mailboxFormSchema>;
