import { z } from 'zod';
import { recordAudit } from '../audit/audit.repo';
import type { Db } from '../db/db';
import { withTransaction } from '../db/transaction';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { fieldErrors } from '../setup/setup.schema';
import { isCapabilityOffered } from '../features/not-built';
import { capabilities, isCapability, type CapabilityHolder } from './capabilities';
import { deleteRole, findRole, insertRole, roleInUse, roleNameTaken, updateRole, type Role } from './roles.repo';
import { singleLine } from './staff.schema';

/** Who makes an administrative change: for the audit log, and for what they may hand out. */
export type AdminActor = CapabilityHolder & { id: number; name: string; ip: string };

// A single capability arrives as a string, several as an array (one checkbox per capability).
const capabilityList = z
  .union([z.string(), z.array(z.string()).max(capabilities.length * 2)], { error: 'form.invalid' })
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
  .refine((list) => list.every((c) => isCapability(c) && isCapabilityOffered(c)), { error: 'form.invalid' })
  .transform((list) => capabilities.filter((c) => list.includes(c)));

export const roleSchema = z.object({
  name: singleLine(100),
  capabilities: capabilityList,
});

function parseRole(input: unknown) {
  const parsed = roleSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('Check the role.', fieldErrors(parsed.error));
  return parsed.data;
}

export async function roleById(db: Db, id: number): Promise<Role> {
  const role = Number.isSafeInteger(id) && id > 0 ? await findRole(db, id) : undefined;
  if (!role) throw new NotFoundError();
  return role;
}

/** Creates (id null) or changes a custom role; the built-in Administrator is not a row and cannot be edited. */
export async function saveRole(
  db: Db,
  actor: AdminActor,
  id: number | null,
  input: unknown,
  now: number,
): Promise<number> {
  const data = parseRole(input);
  return withTransaction(db, async (trx) => {
    const before = id === null ? null : await roleById(trx, id);
    if (await roleNameTaken(trx, data.name, id))
      throw new ValidationError('A role has this name.', { name: 'roles.errors.nameTaken' });
    // The form offers no capability of a feature not built yet; one the role held stays.
    const kept = (before?.capabilities ?? []).filter((c) => !isCapabilityOffered(c));
    data.capabilities = capabilities.filter((c) => data.capabilities.includes(c) || kept.includes(c));
    const roleId = id ?? (await insertRole(trx, data, now));
    if (id !== null) await updateRole(trx, id, data, now);
    const after = { name: data.name, capabilities: data.capabilities };
    await recordAudit(
      trx,
      {
        actor,
        ip: actor.ip,
        action: before ? 'role.changed' : 'role.created',
        target: { type: 'role', id: roleId },
        details: before ? { before: { name: before.name, capabilities: before.capabilities }, after } : { after },
      },
      now,
    );
    return roleId;
  });
}

/** Deletes a role nobody holds; a role in use is refused (staff would silently lose capabilities). */
export async function removeRole(db: Db, actor: AdminActor, id: number, now: number): Promise<void> {
  await withTransaction(db, async (trx) => {
    const role = await roleById(trx, id);
    if (await roleInUse(trx, id)) throw new ConflictError('role_in_use', 'Staff members hold this role.');
    await deleteRole(trx, id);
    await recordAudit(
      trx,
      {
        actor,
        ip: actor.ip,
        action: 'role.deleted',
        target: { type: 'role', id },
        details: { before: { name: role.name, capabilities: role.capabilities } },
      },
      now,
    );
  });
}
