import type { Request } from 'express';
import { can, type Capability } from '../../staff/capabilities';

/**
 * The administration areas listed on /admin/manage and behind the top bar's "Administration"
 * link. Each area adds one entry here; a staff member sees the areas their role allows.
 */
export type AdminArea = { href: string; titleKey: string; textKey: string; capability: Capability | 'admin' };

export const adminAreas: AdminArea[] = [
  { href: '/admin/settings/mail', titleKey: 'manage.mail.title', textKey: 'manage.mail.text', capability: 'settings.manage' },
];

export function areasFor(user: Request['user']): AdminArea[] {
  if (!user) return [];
  return adminAreas.filter((a) => (a.capability === 'admin' ? user.isAdmin : can(user, a.capability)));
}
