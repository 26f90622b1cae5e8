import { queriesDuring, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { importMail, simpleMail } from '../helpers/mail-intake';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

test("a new-ticket mail reads its category once, and the category's due time and auto-assignment still apply", async () => {
  const admin = Number((await t.db('staff_users').where({ is_admin: true }).first('id')).id);
  const categories: number[] = (await t.db('categories').pluck('id')).map(Number);
  await t.db('categories').update({ due_hours: 24, auto_assign: 'round_robin' });
  await t.db('staff_categories').insert(categories.map((category_id) => ({ staff_id: admin, category_id })));

  let imported: Awaited<ReturnType<typeof importMail>> | undefined;
  const reads = await queriesDuring(t, async () => {
    imported = await importMail(t, simpleMail({ from: 'routed@example.org' }));
  });
  expect(imported!.outcome).toBe('created');
  // The plan's read (the first active public category) is the only one: the creation and the
  // routing use that row instead of reading it again in the transaction.
  expect(reads.filter((sql) => /from [`"]categories[`"]/i.test(sql))).toHaveLength(1);
  const ticket = await t.db('tickets').where({ id: imported!.ticketId }).first('due_at', 'created_at', 'owner_id');
  expect(Number(ticket.due_at)).toBe(Number(ticket.created_at) + 24 * 3600_000);
  expect(Number(ticket.owner_id)).toBe(admin);
});
