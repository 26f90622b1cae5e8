import { parseCapabilities } from './staff.repo';

/** A staff row read with its role's capabilities (`roles.capabilities as role_capabilities`, left-joined). */
export type StaffWithRole = { is_admin: boolean | number; role_capabilities: string | null };

/**
 * Whether the account's role lets it see tickets at all (admins and staff without a custom role
 * do): who may be given a ticket or mailed about one, beside access to its category.
 */
export function seesTickets(row: StaffWithRole): boolean {
  return (
    Boolean(row.is_admin) ||
    row.role_capabilities === null ||
    parseCapabilities(row.role_capabilities).includes('tickets.view')
  );
}
