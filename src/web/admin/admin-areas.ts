import type { Request } from 'express';
import { can, type Capability } from '../../staff/capabilities';

/**
 * The administration areas listed on /admin/manage and behind the top bar's "Administration"
 * link, in the order a new owner sets things up. Each area adds one entry here; a staff member
 * sees the areas their role allows.
 */
export type AdminArea = { href: string; titleKey: string; textKey: string; capability: Capability | 'admin' };

export const adminAreas: AdminArea[] = [
  {
    href: '/admin/categories',
    titleKey: 'catalog.areas.categories.title',
    textKey: 'catalog.areas.categories.text',
    capability: 'settings.manage',
  },
  {
    href: '/admin/staff',
    titleKey: 'staffAdmin.areaTitle',
    textKey: 'staffAdmin.areaText',
    capability: 'staff.manage',
  },
  { href: '/admin/roles', titleKey: 'roles.areaTitle', textKey: 'roles.areaText', capability: 'admin' },
  {
    href: '/admin/fields',
    titleKey: 'catalog.areas.fields.title',
    textKey: 'catalog.areas.fields.text',
    capability: 'settings.manage',
  },
  {
    href: '/admin/statuses',
    titleKey: 'catalog.areas.statuses.title',
    textKey: 'catalog.areas.statuses.text',
    capability: 'settings.manage',
  },
  {
    href: '/admin/priorities',
    titleKey: 'catalog.areas.priorities.title',
    textKey: 'catalog.areas.priorities.text',
    capability: 'settings.manage',
  },
  { href: '/admin/sla', titleKey: 'sla.title', textKey: 'sla.areaText', capability: 'sla.manage' },
  {
    href: '/admin/settings',
    titleKey: 'settings.area.title',
    textKey: 'settings.area.text',
    capability: 'settings.manage',
  },
  { href: '/admin/mailboxes', titleKey: 'mailboxes.title', textKey: 'mailboxes.areaText', capability: 'admin' },
  {
    href: '/admin/templates',
    titleKey: 'mailTemplates.area.title',
    textKey: 'mailTemplates.area.text',
    capability: 'settings.manage',
  },
  {
    href: '/admin/mail/inbound',
    titleKey: 'mailInbox.area.title',
    textKey: 'mailInbox.area.text',
    capability: 'admin',
  },
  { href: '/admin/kb', titleKey: 'kbAdmin.area.title', textKey: 'kbAdmin.area.text', capability: 'kb.manage' },
  { href: '/admin/bans', titleKey: 'manage.bans.title', textKey: 'manage.bans.text', capability: 'bans.manage' },
  { href: '/admin/customers', titleKey: 'manage.privacy.title', textKey: 'manage.privacy.text', capability: 'admin' },
  { href: '/admin/backups', titleKey: 'backups.title', textKey: 'backups.areaText', capability: 'admin' },
  { href: '/admin/audit', titleKey: 'auditLog.area.title', textKey: 'auditLog.area.text', capability: 'admin' },
  {
    href: '/admin/api-tokens',
    titleKey: 'apiTokens.manageTitle',
    textKey: 'apiTokens.manageText',
    capability: 'tickets.view',
  },
];

export function areasFor(user: Request['user']): AdminArea[] {
  if (!user) return [];
  return adminAreas.filter((a) => (a.capability === 'admin' ? user.isAdmin : can(user, a.capability)));
}
