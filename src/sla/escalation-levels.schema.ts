import { z } from 'zod';
import { escalationActions, staffActions } from './escalation-plan';
import { targetKinds } from './policy-match';

const choice = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: 'form.invalid' });

/** One escalation level from the policy page: when (share of a target, or its breach) and what. */
export const levelSchema = z
  .object({
    level_kind: choice(targetKinds),
    level_percent: z
      .string({ error: 'slaEscalations.errors.percent' })
      .trim()
      .regex(/^\d{1,3}$/, 'slaEscalations.errors.percent')
      .transform(Number)
      .pipe(z.number().int().min(1, 'slaEscalations.errors.percent').max(100, 'slaEscalations.errors.percent')),
    level_action: choice(escalationActions),
    level_staff: z
      .union([z.literal(''), z.string().regex(/^\d{1,9}$/, 'form.invalid')], { error: 'form.invalid' })
      .default('')
      .transform((v) => (v === '' ? null : Number(v))),
  })
  .superRefine((l, ctx) => {
    if (staffActions.includes(l.level_action) && l.level_staff === null)
      ctx.addIssue({ code: 'custom', path: ['level_staff'], message: 'slaEscalations.errors.staff' });
  })
  .transform((l) => ({
    kind: l.level_kind,
    atPercent: l.level_percent,
    action: l.level_action,
    staffId: staffActions.includes(l.level_action) ? l.level_staff : null,
  }));
