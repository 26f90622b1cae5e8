import type { Knex } from 'knex';

/**
 * "Open tickets for customers" became its own capability (tickets.create); before it, any staff
 * member could open one. Existing roles keep what they did in practice where that was writing to
 * customers: roles with "Reply and add notes" (tickets.reply) get it. A role that could only
 * view tickets does not: that it could open tickets (and mail customers) was the hole closed.
 * Staff without a role get it from the default capabilities in the code.
 */
const capability = 'tickets.create';

async function rewrite(db: Knex, change: (caps: string[]) => string[]): Promise<void> {
  const roles = await db('roles').select<Array<{ id: number; capabilities: string }>>('id', 'capabilities');
  for (const role of roles) {
    let caps: unknown;
    try {
      caps = JSON.parse(role.capabilities);
    } catch {
      continue;
    }
    if (!Array.isArray(caps)) continue;
    const before = caps.filter((c): c is string => typeof c === 'string');
    const after = change(before);
    if (after.length !== before.length)
      await db('roles')
        .where({ id: role.id })
        .update({ capabilities: JSON.stringify(after) });
  }
}

export async function up(db: Knex): Promise<void> {
  await rewrite(db, (caps) =>
    caps.includes('tickets.reply') && !caps.includes(capability) ? [...caps, capability] : caps,
  );
}

export async function down(db: Knex): Promise<void> {
  await rewrite(db, (caps) => caps.filter((c) => c !== capability));
}
