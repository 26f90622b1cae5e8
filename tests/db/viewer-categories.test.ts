import type { Request } from 'express';
import type { Knex } from 'knex';
import { migrateLatest } from '../../src/db/migrate';
import { viewerCategories } from '../../src/web/viewer-categories';
import { useEmptyDatabase } from '../helpers/test-db';

// The ticket page, its tag suggestions and the dashboard ask for the viewer's categories once per request.
let db: Knex;
useEmptyDatabase(async (created) => {
  db = created;
  await migrateLatest(db);
});

test('one read per request; the next request reads again', async () => {
  const reads: string[] = [];
  const count = (q: { sql: string }) => {
    if (q.sql.includes('staff_categories')) reads.push(q.sql);
  };
  db.on('query', count);
  try {
    const user = { id: 7, isAdmin: false, capabilities: ['tickets.view'] };
    const first = { user } as unknown as Request;
    expect(await viewerCategories(db, first)).toEqual([]);
    expect(await viewerCategories(db, first)).toEqual([]);
    expect(reads).toHaveLength(1);
    await viewerCategories(db, { user } as unknown as Request);
    expect(reads).toHaveLength(2);
  } finally {
    db.off('query', count);
  }
});
