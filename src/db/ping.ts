import type { Knex } from 'knex';

export type Readiness = 'ready' | 'unavailable' | 'timeout';

/**
 * Whether the database can serve requests now, for /readyz: reads the sessions table, which
 * every page needs before anything else, so a database that answers a bare `select 1` but not
 * that read is not "ready". The answer comes within `timeoutMs` whatever the database does: a
 * frozen server gives 'timeout'. The query keeps its own limit, so if it got a connection late
 * or hangs on one, knex drops that connection instead of handing it back to the pool stuck.
 */
export async function checkReadiness(db: Knex, timeoutMs: number): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Readiness>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const read = db('sessions')
    .select('sid')
    .where('sid', '')
    .first()
    .timeout(timeoutMs)
    .then(
      (): Readiness => 'ready',
      (): Readiness => 'unavailable',
    );
  try {
    return await Promise.race([read, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
