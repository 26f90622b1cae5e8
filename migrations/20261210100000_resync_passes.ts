import type { Knex } from 'knex';
import { up as createAutoCloseResync } from './20261209170000_auto_close_resync';

/**
 * One table for the resync passes (duplicates D2): `sla_resync` (SLA clocks after a policy or
 * calendar edit) and `auto_close_resync` (closing times after a change of the days) were two
 * one-row tables with the same revision / cursor / lease columns and the same claim code. A row
 * per pass, keyed by its name, carries on each old row's state.
 */
const passes = [
  { name: 'sla-resync', table: 'sla_resync' },
  { name: 'auto-close-resync', table: 'auto_close_resync' },
] as const;

type PassRow = {
  revision: number | string;
  synced_revision: number | string;
  pass_revision: number | string;
  cursor: number | string;
  lease_until?: number | string | null;
  leased_by?: string | null;
  updated_at: number | string;
};

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('resync_passes', (t) => {
    t.string('name', 32).primary();
    t.bigInteger('revision').notNullable().defaultTo(0); // counts the changes the pass must follow
    t.bigInteger('synced_revision').notNullable().defaultTo(0); // every ticket done up to this
    t.bigInteger('pass_revision').notNullable().defaultTo(0); // the revision the pass in progress works for
    t.bigInteger('cursor').notNullable().defaultTo(0); // the last ticket id that pass did
    t.bigInteger('lease_until');
    t.string('leased_by', 64);
    t.bigInteger('updated_at').notNullable();
  });
  for (const pass of passes) {
    const old = (await db.schema.hasTable(pass.table))
      ? await db(pass.table).where({ id: 1 }).first<PassRow | undefined>()
      : undefined;
    await db('resync_passes').insert({
      name: pass.name,
      revision: Number(old?.revision ?? 0),
      synced_revision: Number(old?.synced_revision ?? 0),
      pass_revision: Number(old?.pass_revision ?? 0),
      cursor: Number(old?.cursor ?? 0),
      lease_until: old?.lease_until == null ? null : Number(old.lease_until),
      leased_by: old?.leased_by ?? null,
      updated_at: Number(old?.updated_at ?? 0),
    });
    await db.schema.dropTableIfExists(pass.table);
  }
}

export async function down(db: Knex): Promise<void> {
  // The two tables as migrations 20261209120000 and 20261209170000 made them.
  await db.schema.createTable('sla_resync', (t) => {
    t.integer('id').primary();
    t.bigInteger('revision').notNullable().defaultTo(0);
    t.bigInteger('synced_revision').notNullable().defaultTo(0);
    t.bigInteger('pass_revision').notNullable().defaultTo(0);
    t.bigInteger('cursor').notNullable().defaultTo(0);
    t.bigInteger('lease_until');
    t.string('leased_by', 64);
    t.bigInteger('updated_at').notNullable();
  });
  await createAutoCloseResync(db); // with its row, updated below
  for (const pass of passes) {
    const row = await db('resync_passes').where({ name: pass.name }).first<PassRow | undefined>();
    if (!row) continue;
    const state = {
      id: 1,
      revision: Number(row.revision),
      synced_revision: Number(row.synced_revision),
      pass_revision: Number(row.pass_revision),
      cursor: Number(row.cursor),
      updated_at: Number(row.updated_at),
    };
    // The auto-close pass had no lease of its own (its job's lease guarded it).
    if (pass.table === 'sla_resync')
      await db(pass.table).insert({
        ...state,
        lease_until: row.lease_until == null ? null : Number(row.lease_until),
        leased_by: row.leased_by ?? null,
      });
    else await db(pass.table).where({ id: 1 }).update(state);
  }
  await db.schema.dropTableIfExists('resync_passes');
}
