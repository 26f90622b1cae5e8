import { insertCategory } from '../categories/categories.repo';
import type { Trx } from '../db/db';
import { createI18n } from '../i18n/i18n';
import { writeSettings } from '../settings/settings.repo';
import { sealSecrets } from '../settings/secret-settings';
import type { Settings } from '../settings/settings.schema';
import { insertStaff } from '../staff/staff.repo';
import { findPriorityByKey, insertPriorities, insertStatuses } from '../tickets/statuses.repo';
import type { BasicsInput } from './setup.schema';

/** Built-in statuses; names are translated by key in the views. */
export const builtinStatuses = [
  { key: 'new', name: 'New', color: '#2563eb', is_open: true, customer_settable: false },
  { key: 'open', name: 'Open', color: '#0891b2', is_open: true, customer_settable: false },
  // Waiting for the customer and on hold stop the SLA clocks (issue 13).
  {
    key: 'waiting',
    name: 'Waiting for customer',
    color: '#ca8a04',
    is_open: true,
    customer_settable: false,
    pauses_sla: true,
  },
  { key: 'replied', name: 'Replied', color: '#7c3aed', is_open: true, customer_settable: false },
  { key: 'on_hold', name: 'On hold', color: '#64748b', is_open: true, customer_settable: false, pauses_sla: true },
  { key: 'resolved', name: 'Resolved', color: '#16a34a', is_open: false, customer_settable: true },
  { key: 'closed', name: 'Closed', color: '#334155', is_open: false, customer_settable: false },
];

export const builtinPriorities = [
  { key: 'low', name: 'Low', color: '#64748b' },
  { key: 'normal', name: 'Normal', color: '#2563eb' },
  { key: 'high', name: 'High', color: '#ea580c' },
  { key: 'urgent', name: 'Urgent', color: '#dc2626' },
];

/**
 * The data a new help desk starts with: statuses, priorities, a first public category, the
 * settings from the wizard, the first admin, and the marker that the install is complete.
 * Runs inside the installer's transaction, so it is all there or none of it is.
 */
export async function createInitialData(
  trx: Trx,
  input: {
    basics: BasicsInput;
    admin: { name: string; email: string; passwordHash: string };
    version: string;
    secrets: { session: string; signing: string };
    mail?: Partial<Settings>;
  },
  now: number,
): Promise<{ adminId: number }> {
  await insertStatuses(
    trx,
    builtinStatuses.map((s, i) => ({ pauses_sla: false, ...s, sort_order: i * 10, is_builtin: true })),
  );
  await insertPriorities(
    trx,
    builtinPriorities.map((p, i) => ({ ...p, sort_order: i * 10, is_builtin: true })),
  );
  const normal = await findPriorityByKey(trx, 'normal');
  await insertCategory(
    trx,
    {
      // Named in the language the owner chose: customers see it on the form from the first day.
      name: createI18n().getFixedT(input.basics.language)('install.defaultCategory'),
      description: null,
      tier: 1,
      is_public: true,
      default_priority_id: normal?.id ?? null,
      sort_order: 0,
    },
    now,
  );
  const adminId = await insertStaff(trx, { ...input.admin, isAdmin: true, language: input.basics.language }, now);
  await writeSettings(
    trx,
    {
      'helpdesk.name': input.basics.name,
      'helpdesk.url': input.basics.url.replace(/\/+$/, ''),
      'helpdesk.email': input.basics.email,
      'helpdesk.timezone': input.basics.timezone,
      'helpdesk.language': input.basics.language,
      'install.version': input.version,
      'install.secrets': input.secrets,
      'install.completed_at': now,
      // The wizard's e-mail step: stored as the sending settings store it (passwords encrypted).
      ...sealSecrets(input.mail ?? {}, input.secrets.signing),
    },
    now,
  );
  return { adminId };
}
