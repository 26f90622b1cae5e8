import type { Knex } from 'knex';

/**
 * A resync pass walks tickets by id after a change that affects many of them (one row per pass
 * in `resync_passes`): `revision` counts the changes, the pass works for one revision with its
 * cursor, and a lease in the row keeps two processes off the same pass. Used by the SLA resync
 * ('sla-resync') and the auto-close re-plan ('auto-close-resync').
 */
export type ResyncPassName = 'sla-resync' | 'auto-close-resync';
export type ResyncLease = { worker: string; until: number };

/** Counts a change, inside its transaction: the pass goes over the tickets again for it. */
export async function bumpResyncRevision(trx: Knex, name: ResyncPassName, now: number): Promise<void> {
  const updated = await trx('resync_passes')
    .where({ name })
    .update({ revision: trx.raw('revision + 1'), updated_at: now });
  if (updated === 0)
    await trx('resync_passes').insert({
      name,
      revision: 1,
      synced_revision: 0,
      pass_revision: 0,
      cursor: 0,
      updated_at: now,
    });
}

/**
 * Takes the pass when a change has not been followed yet and no live lease holds it (the
 * condition is part of the write: of two processes one gets it). A pass for an older revision
 * than the newest starts again from the first ticket.
 */
export async function claimResyncPass(
  db: Knex,
  name: ResyncPassName,
  lease: ResyncLease,
  now: number,
): Promise<{ revision: number; cursor: number } | null> {
  const claimed = await db('resync_passes')
    .where({ name })
    .andWhere('revision', '>', db.ref('synced_revision'))
    .andWhere((q) => q.whereNull('lease_until').orWhere('lease_until', '<', now))
    .update({ lease_until: lease.until, leased_by: lease.worker });
  if (claimed !== 1) return null;
  const row = (await db('resync_passes')
    .where({ name, leased_by: lease.worker })
    .first<{ revision: number | string; pass_revision: number | string; cursor: number | string } | undefined>(
      'revision',
      'pass_revision',
      'cursor',
    ))!;
  if (Number(row.pass_revision) === Number(row.revision))
    return { revision: Number(row.revision), cursor: Number(row.cursor) };
  await db('resync_passes')
    .where({ name, leased_by: lease.worker })
    .update({ pass_revision: Number(row.revision), cursor: 0 });
  return { revision: Number(row.revision), cursor: 0 };
}

/** Saves the pass's cursor and renews its lease; false when the lease went to another worker. */
export async function saveResyncProgress(
  db: Knex,
  name: ResyncPassName,
  lease: ResyncLease,
  cursor: number,
): Promise<boolean> {
  return (
    (await db('resync_passes')
      .where({ name, leased_by: lease.worker })
      .update({ cursor, lease_until: lease.until })) === 1
  );
}

/** Gives the pass back with its cursor; `finished`: every ticket is done for that revision. */
export async function releaseResyncPass(
  db: Knex,
  name: ResyncPassName,
  worker: string,
  state: { cursor: number; finished: number | null },
  now: number,
): Promise<void> {
  await db('resync_passes')
    .where({ name, leased_by: worker })
    .update({
      cursor: state.cursor,
      lease_until: null,
      leased_by: null,
      updated_at: now,
      ...(state.finished === null ? {} : { synced_revision: state.finished }),
    });
}
