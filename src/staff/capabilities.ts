/**
 * What a staff member may do. Admins may do everything; everyone else gets the capabilities of
 * their role (custom roles bundle them). Services check `can(actor, ...)`; pages and API routes
 * guard with `requireCapability(...)`. Ticket visibility is separate: category access.
 */
export const capabilities = [
  'tickets.view',
  'tickets.reply',
  'tickets.create', // open a ticket for a customer at /admin/tickets/new (the customer may be mailed)
  'tickets.assign_others',
  'tickets.change_category',
  'tickets.merge',
  'tickets.delete',
  'tickets.export',
  'views.share', // share a saved view of the ticket list with every staff member
  'kb.manage',
  'canned.manage',
  'reports.run',
  'bans.manage',
  'sla.manage', // business-hours calendars and SLA policies at /admin/sla
  'settings.manage',
  'staff.manage',
] as const;
export type Capability = (typeof capabilities)[number];

/** What a staff member without a role may do: work the tickets of their categories. */
export const defaultStaffCapabilities: readonly Capability[] = [
  'tickets.view',
  'tickets.reply',
  'tickets.create',
  'tickets.assign_others',
  'tickets.change_category',
  'tickets.merge',
  'tickets.export',
];

export function isCapability(value: unknown): value is Capability {
  return typeof value === 'string' && (capabilities as readonly string[]).includes(value);
}

export type CapabilityHolder = { isAdmin: boolean; capabilities: readonly Capability[] };

export function can(staff: CapabilityHolder, capability: Capability): boolean {
  return staff.isAdmin || staff.capabilities.includes(capability);
}
