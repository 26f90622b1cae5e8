import type { Knex } from 'knex';

/** Takes the named lease when it has run out; creates its row on first use. True when this holder has it. */
export async function claimLeaseRow(
  db: Knex,
  name: string,
  holder: string,
  now: number,
  until: number,
): Promise<boolean> {
  const taken = await db('job_leases').where({ name }).andWhere('until', '<=', now).update({ holder, until });
  if (taken === 1) return true;
  await db('job_leases').insert({ name, holder: '', until: 0 }).onConflict('name').ignore();
  return (await db('job_leases').where({ name }).andWhere('until', '<=', now).update({ holder, until })) === 1;
}

/** Ends the lease, only if this holder still has it. */
export async function endLeaseRow(db: Knex, name: string, holder: string): Promise<void> {
  await db('job_leases').where({ name, holder }).update({ until: 0 });
}
