/**
 * The start of an e-mail address (staff search, privacy page) is found through an index on
 * every database: SQLite's LIKE ignores case and so never used the email index (GLOB does),
 * and PostgreSQL needs a pattern_ops index under any collation but C.
 */
import { clientOf } from '../../src/db/dialect';
import { findCustomersByEmailPrefix } from '../../src/privacy/privacy.repo';
import { listTickets } from '../../src/tickets/ticket-list.repo';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { plansOf } from '../helpers/query-plans';

let app: InstalledApp;
useInstalledApp((a) => (app = a));

beforeAll(async () => {
  const now = Date.now();
  const rows = Array.from({ length: 4000 }, (_, i) => ({
    email: `person${i}@example.${i % 2 ? 'com' : 'net'}`,
    name: `Person ${i}`,
    language: 'en',
    created_at: now,
    updated_at: now,
  }));
  await app.db.batchInsert('customers', rows, 500);
  if (clientOf(app.db) === 'mysql') await app.db.raw('ANALYZE TABLE customers');
  if (clientOf(app.db) === 'postgres') await app.db.raw('ANALYZE customers');
}, 60_000);

/** Plan lines that read every customer. */
function readsEveryCustomer(lines: string[]): string[] {
  switch (clientOf(app.db)) {
    case 'sqlite':
      return lines.filter((l) => /SCAN customers/.test(l));
    case 'mysql':
      return lines.filter((l) => /\bcustomers type=(ALL|index)\b/.test(l));
    default:
      return lines.filter((l) => /Seq Scan on customers/.test(l));
  }
}

test('the staff search by the start of an address and the privacy lookup read only the matching customers', async () => {
  const customerPlans = [
    ...(await plansOf(app.db, () =>
      listTickets(
        app.db,
        { categories: 'all', search: { words: [], trackingId: null, email: 'person12' } },
        { sort: 'updated', dir: 'desc', offset: 0, limit: 25 },
      ),
    )),
    ...(await plansOf(app.db, () => findCustomersByEmailPrefix(app.db, 'person12', 20))),
  ].filter((p) => /\bcustomers\b/.test(p.sql));
  expect(customerPlans.length).toBeGreaterThanOrEqual(2);
  for (const plan of customerPlans)
    expect([plan.sql.slice(0, 200), readsEveryCustomer(plan.lines)]).toEqual([plan.sql.slice(0, 200), []]);
});

test('the prefix is taken literally: wildcards of each dialect match only themselves', async () => {
  const now = Date.now();
  await app.db('customers').insert([
    { email: 'odd*star@example.com', name: 'Star', language: 'en', created_at: now, updated_at: now },
    { email: 'odd_under@example.com', name: 'Under', language: 'en', created_at: now, updated_at: now },
    { email: 'odd[x]@example.com', name: 'Bracket', language: 'en', created_at: now, updated_at: now },
  ]);
  const found = async (prefix: string) => (await findCustomersByEmailPrefix(app.db, prefix, 20)).map((c) => c.email);
  expect(await found('odd*')).toEqual(['odd*star@example.com']);
  expect(await found('odd_')).toEqual(['odd_under@example.com']);
  expect(await found('odd[')).toEqual(['odd[x]@example.com']);
  expect(await found('odd?')).toEqual([]);
  expect(await found('odd%')).toEqual([]);
  expect((await found('person123')).sort()).toEqual(
    [
      'person123@example.com',
      'person1230@example.net',
      'person1231@example.com',
      'person1232@example.net',
      'person1233@example.com',
      'person1234@example.net',
      'person1235@example.com',
      'person1236@example.net',
      'person1237@example.com',
      'person1238@example.net',
      'person1239@example.com',
    ].sort(),
  );
});
