import type { Knex } from 'knex';
import { ensureCustomer, findCustomerByEmail } from '../../src/customers/customers.repo';
import { withTransaction } from '../../src/db/transaction';
import { createTicket } from '../../src/tickets/ticket-create.service';
import { useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let db: Knex;
let services: InstalledApp['services'];
useInstalledApp((t) => {
  db = t.db;
  services = t.services;
});

const rowsOf = async (email: string) => db('customers').where({ email }).select('id', 'name');

test('a first contact makes the customer and returns its id; the next one finds it', async () => {
  const id = await ensureCustomer(db, { email: 'New@Example.net', name: 'Nora', language: 'en' }, 1000);
  expect(await rowsOf('new@example.net')).toEqual([{ id, name: 'Nora' }]);
  expect(await ensureCustomer(db, { email: 'new@example.net', name: 'Other', language: 'sk' }, 2000)).toBe(id);
  expect(await rowsOf('new@example.net')).toEqual([{ id, name: 'Nora' }]);
});

test('a caller that looked the address up passes what it found and is not read again', async () => {
  const found = (await findCustomerByEmail(db, 'new@example.net'))!;
  expect(await ensureCustomer(db, { email: 'new@example.net', name: 'X', language: 'en' }, 3000, found)).toBe(
    Number(found.id),
  );
  const id = await ensureCustomer(db, { email: 'fresh@example.net', name: 'Fay', language: 'en' }, 3000, null);
  expect(await rowsOf('fresh@example.net')).toEqual([{ id, name: 'Fay' }]);
});

test('a row made between the look-up and the insert is used, not duplicated or renamed', async () => {
  const first = await ensureCustomer(db, { email: 'race@example.net', name: 'Rae', language: 'en' }, 4000);
  // Looked up before the other request made the row: "none found".
  const second = await ensureCustomer(db, { email: 'race@example.net', name: 'Mallory', language: 'en' }, 4001, null);
  expect(second).toBe(first);
  expect(await rowsOf('race@example.net')).toEqual([{ id: first, name: 'Rae' }]);
});

test('first tickets of one address at once make one customer', async () => {
  const ids = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      ensureCustomer(db, { email: 'burst@example.net', name: `B${i}`, language: 'en' }, 5000, null),
    ),
  );
  expect(new Set(ids).size).toBe(1);
  expect(await rowsOf('burst@example.net')).toHaveLength(1);
});

test("first contacts of one address at once, each inside its own ticket's transaction, share one customer", async () => {
  const ids = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      withTransaction(db, async (trx) => {
        const id = await ensureCustomer(
          trx,
          { email: 'together@example.net', name: `T${i}`, language: 'en' },
          6000,
          null,
        );
        // The rest of the ticket's transaction: more writes after the customer.
        await trx('rate_limits').insert({ bucket: `test:together:${i}`, hits: 1, reset_at: 0 });
        return id;
      }),
    ),
  );
  expect(new Set(ids).size).toBe(1);
  expect(await rowsOf('together@example.net')).toHaveLength(1);
  expect(await db('rate_limits').where('bucket', 'like', 'test:together:%').count<{ n: number }[]>({ n: '*' })).toEqual(
    [{ n: 6 }],
  );
});

describe('new tickets of one new address at once', () => {
  test('each is created with its own view of the one shared customer (no stale snapshot inside the transaction)', async () => {
    const categoryId = Number((await db('categories').first('id')).id);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        createTicket(services, {
          customer: { name: `Cora ${i}`, email: 'concurrent@example.net', language: 'en' },
          categoryId,
          priorityKey: null,
          subject: `At once ${i}`,
          body: 'Five first contacts of one address at the same moment.',
          fieldValues: [],
          files: [],
          source: 'staff',
          ip: null,
          submissionKey: null,
        }),
      ),
    );
    const [customer] = await rowsOf('concurrent@example.net');
    expect(await rowsOf('concurrent@example.net')).toHaveLength(1);
    for (const r of results) {
      expect(r.created).toBe(true);
      expect([r.ticket.customerId, r.ticket.customerEmail]).toEqual([customer!.id, 'concurrent@example.net']);
    }
    expect(await db('tickets').where('customer_id', customer!.id).count<{ n: number }[]>({ n: '*' })).toEqual([
      { n: 5 },
    ]);
  });
});
