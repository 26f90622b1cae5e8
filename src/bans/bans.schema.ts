import ipaddr from 'ipaddr.js';
import { z } from 'zod';

const emailShape = /^[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;]+$/;
const domainShape = /^(?=.{1,191}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** An address or a CIDR range, IPv4 or IPv6, with a range no wider than /8 (IPv4) or /16 (IPv6). */
function validIpBan(value: string): boolean {
  try {
    if (!value.includes('/')) return ipaddr.isValid(value);
    const [range, bits] = ipaddr.parseCIDR(value);
    return range.kind() === 'ipv4' ? bits >= 8 : bits >= 16;
  } catch {
    return false;
  }
}

/** A new ban from the admin form: the value must have the shape its kind needs. */
export const newBanSchema = z
  .object({
    kind: z.enum(['email', 'domain', 'ip'], { error: 'bans.errors.kind' }),
    value: z.string().trim().toLowerCase().min(1, 'bans.errors.valueRequired').max(191, 'bans.errors.valueTooLong'),
    reason: z.string().trim().max(255, 'bans.errors.reasonTooLong').optional().default(''),
  })
  .superRefine((ban, ctx) => {
    const ok =
      ban.kind === 'email'
        ? emailShape.test(ban.value)
        : ban.kind === 'domain'
          ? domainShape.test(ban.value.replace(/^@/, ''))
          : validIpBan(ban.value);
    if (!ok) ctx.addIssue({ code: 'custom', path: ['value'], message: `bans.errors.value_${ban.kind}` });
  })
  .transform((ban) => ({ ...ban, value: ban.kind === 'domain' ? ban.value.replace(/^@/, '') : ban.value }));

export type NewBan = z.output<typeof newBanSchema>;
