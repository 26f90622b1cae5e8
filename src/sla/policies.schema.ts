import { z } from 'zod';
import { targetKinds, type Targets } from './policy-match';

/** The longest target: a bit over a year of round-the-clock hours. */
const maxMinutes = 9999 * 60;

/** "1:30" (hours:minutes) or "4" (hours) to minutes; '' to undefined; null when not readable. */
export function parseDuration(text: string): number | undefined | null {
  const s = text.trim();
  if (s === '') return undefined;
  const m = /^(\d{1,4})(?::([0-5]\d))?$/.exec(s);
  if (!m) return null;
  const minutes = Number(m[1]) * 60 + Number(m[2] ?? 0);
  return minutes >= 1 && minutes <= maxMinutes ? minutes : null;
}

export const formatDuration = (minutes: number | undefined): string =>
  minutes === undefined ? '' : `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;

const domainShape = /^(?=.{1,191}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const text = (max: number, tooLong: string) => z.string({ error: 'form.invalid' }).max(max, tooLong);
const optionalId = z
  .union([z.literal(''), z.string().regex(/^\d{1,9}$/, 'form.invalid')], { error: 'form.invalid' })
  .default('')
  .transform((v) => (v === '' ? null : Number(v)));

/** The fields of the policy form apart from the targets, whose names depend on the priorities. */
export const policySchema = z
  .object({
    name: text(100, 'sla.errors.nameTooLong')
      .transform((s) => s.trim())
      .pipe(z.string().min(1, 'sla.errors.nameRequired')),
    position: z
      .string({ error: 'sla.errors.position' })
      .trim()
      .regex(/^\d{1,4}$/, 'sla.errors.position')
      .transform(Number),
    calendar: optionalId,
    category: optionalId,
    customer_domain: text(191, 'sla.errors.domain')
      .default('')
      .transform((s) => s.trim().toLowerCase().replace(/^@/, ''))
      .refine((s) => s === '' || domainShape.test(s), 'sla.errors.domain'),
    field: optionalId,
    field_value: text(191, 'sla.errors.fieldValueTooLong')
      .default('')
      .transform((s) => s.trim()),
    is_active: z.enum(['yes'], { error: 'form.invalid' }).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.field !== null && p.field_value === '')
      ctx.addIssue({ code: 'custom', path: ['field_value'], message: 'sla.errors.fieldValueRequired' });
  });

export const targetField = (kind: string, priorityId: number) => `${kind}_${priorityId}`;

/** Reads `first_<priorityId>`, `next_...`, `resolution_...` for each priority; errors by field. */
export function parseTargets(
  body: Record<string, unknown>,
  priorityIds: number[],
): { targets: Record<string, Targets>; errors: Record<string, string> } {
  const targets: Record<string, Targets> = {};
  const errors: Record<string, string> = {};
  for (const pid of priorityIds) {
    const row: Targets = {};
    for (const kind of targetKinds) {
      const name = targetField(kind, pid);
      const raw = body[name] ?? '';
      const minutes = typeof raw === 'string' ? parseDuration(raw) : null;
      if (minutes === null) errors[name] = 'sla.errors.duration';
      else if (minutes !== undefined) row[kind] = minutes;
    }
    if (Object.keys(row).length) targets[String(pid)] = row;
  }
  if (Object.keys(errors).length === 0 && Object.keys(targets).length === 0 && priorityIds[0] !== undefined)
    errors[targetField('first', priorityIds[0])] = 'sla.errors.noTargets';
  return { targets, errors };
}
