/**
 * Fills an installed Tessera database with tickets of the shape in shared/bench/DATA-SHAPE.md:
 * deterministic (every choice derives from the row number), grown in place (rows 1..n are
 * always all there), bulk inserts of a few hundred rows in transactions of `batch` tickets.
 * Used by bench/seed.ts and by the query-plan test, so both see the same data.
 */
import type { Knex } from 'knex';
import { writeSettings } from '../src/settings/settings.repo';
import { hashPassword } from '../src/staff/password';
import { firstNames, lastNames, messageBodies, openers, pick, seededCount, trackingIdOf, words } from './shape';

export async function seedTickets(
  db: Knex,
  target: number,
  opts: { batch?: number; onProgress?: (have: number, perSecond: number) => void } = {},
): Promise<void> {
  const batch = opts.batch ?? 1000;
  const onProgress = opts.onProgress;
  const now = Date.now();
  const threeYears = 3 * 365 * 24 * 3600_000;
  const statuses = Object.fromEntries(
    (await db('statuses').select('key', 'id')).map((s: { key: string; id: number }) => [s.key, Number(s.id)]),
  );
  const priorities = Object.fromEntries(
    (await db('priorities').select('key', 'id')).map((p: { key: string; id: number }) => [p.key, Number(p.id)]),
  );
  for (let i = (await db('categories').count<{ n: number }[]>({ n: '*' }))[0]!.n; i < 10; i++) {
    await db('categories').insert({
      name: `Bench category ${Number(i) + 1}`,
      tier: 1,
      is_public: true,
      sort_order: Number(i),
      is_active: true,
      created_at: now,
      updated_at: now,
    });
  }
  const categoryIds = (await db('categories').orderBy('id').limit(10).pluck('id')).map(Number);
  const hash = await hashPassword('bench staff password 2026');
  for (let i = 1; i <= 6; i++) {
    await db('staff_users')
      .insert({
        email: `agent${i}@bench.example`,
        name: `Agent ${i}`,
        password_hash: hash,
        is_admin: false,
        is_active: true,
        language: 'en',
        created_at: now,
        updated_at: now,
      })
      .onConflict('email')
      .ignore();
  }
  // The load script sends every ticket from 127.0.0.1: allow that many an hour (an admin's
  // setting, the same one a busy office behind one address would raise).
  await writeSettings(db, { 'spam.submissionsPerHour': 10000 }, now);
  const staffIds = (
    await db('staff_users').where('email', 'like', 'agent%@bench.example').orderBy('id').pluck('id')
  ).map(Number);
  // Every agent works every category, as in a small team (the list then filters by ten ids).
  const access = staffIds.flatMap((staffId) =>
    categoryIds.map((categoryId) => ({ staff_id: staffId, category_id: categoryId })),
  );
  await db('staff_categories').insert(access).onConflict(['staff_id', 'category_id']).ignore();
  const statusSpread: Array<[string, number]> = [
    ['resolved', 40],
    ['closed', 40],
    ['new', 5],
    ['waiting', 5],
    ['replied', 5],
    ['open', 3],
    ['on_hold', 2],
  ];
  const prioritySpread: Array<[string, number]> = [
    ['urgent', 2],
    ['high', 10],
    ['normal', 40],
    ['low', 48],
  ];
  const fromSpread = (row: number, salt: string, spread: Array<[string, number]>) => {
    let r = pick(row, salt, 100);
    for (const [key, share] of spread) if ((r -= share) < 0) return key;
    return spread[0]![0];
  };

  let have = await seededCount(db);
  const started = Date.now();
  while (have < target) {
    const rows = Array.from({ length: Math.min(batch, target - have) }, (_, i) => have + i + 1);
    await db.transaction(async (trx) => {
      const customers = [...new Set(rows.map((r) => Math.ceil(r / 3)))];
      const newCustomers = customers.map((c) => ({
        email: `customer${c}@example.com`,
        name: `${firstNames[pick(c, 'fn', 40)]} ${lastNames[pick(c, 'ln', 40)]}`,
        language: 'en',
        created_at: now,
        updated_at: now,
      }));
      for (let i = 0; i < newCustomers.length; i += 200)
        await trx('customers')
          .insert(newCustomers.slice(i, i + 200))
          .onConflict('email')
          .ignore();
      const customerIds = new Map<string, number>(
        (
          await trx('customers')
            .whereIn(
              'email',
              customers.map((c) => `customer${c}@example.com`),
            )
            .select('id', 'email')
        ).map((c: { id: number; email: string }) => [c.email, Number(c.id)]),
      );
      const tickets = rows.map((r) => {
        const created = now - threeYears + pick(r, 'created', threeYears / 1000) * 1000;
        const updated = created + pick(r, 'updated', 10 * 24 * 3600) * 1000;
        const status = fromSpread(r, 'status', statusSpread);
        const owner = pick(r, 'owner', 10) === 0 ? null : staffIds[pick(r, 'who', staffIds.length)]!;
        const closed = status === 'resolved' || status === 'closed';
        return {
          tracking_id: trackingIdOf(r),
          subject: `${openers[pick(r, 'opener', openers.length)]} ${words(r, 'subject', 2).join(' ')}`,
          customer_id: customerIds.get(`customer${Math.ceil(r / 3)}@example.com`)!,
          category_id: categoryIds[r % categoryIds.length]!,
          tier: 1,
          status_id: statuses[status]!,
          priority_id: priorities[fromSpread(r, 'priority', prioritySpread)]!,
          owner_id: owner,
          language: 'en',
          last_replier_type: 'customer',
          message_count: 3,
          source: 'web',
          resolved_at: closed ? updated : null,
          resolved_by_staff_id: closed ? owner : null,
          created_at: created,
          updated_at: updated,
        };
      });
      // SQLite takes at most 500 rows in one compound insert.
      for (let i = 0; i < tickets.length; i += 200) await trx('tickets').insert(tickets.slice(i, i + 200));
      const ids = new Map<string, number>(
        (
          await trx('tickets')
            .whereIn(
              'tracking_id',
              tickets.map((t) => t.tracking_id),
            )
            .select('id', 'tracking_id')
        ).map((t: { id: number; tracking_id: string }) => [t.tracking_id, Number(t.id)]),
      );
      const messages = tickets.flatMap((t, i) => {
        const r = rows[i]!;
        const ticketId = ids.get(t.tracking_id)!;
        const [first, answer, followUp] = messageBodies(r);
        return [
          {
            ticket_id: ticketId,
            kind: 'customer',
            customer_id: t.customer_id,
            author_name: 'Customer',
            body: first,
            body_format: 'text',
            created_at: t.created_at,
          },
          {
            ticket_id: ticketId,
            kind: 'staff',
            staff_id: t.owner_id,
            author_name: 'Agent',
            body: answer,
            body_format: 'text',
            created_at: t.created_at + 3600_000,
          },
          {
            ticket_id: ticketId,
            kind: 'customer',
            customer_id: t.customer_id,
            author_name: 'Customer',
            body: followUp,
            body_format: 'text',
            created_at: t.updated_at,
          },
        ];
      });
      for (let i = 0; i < messages.length; i += 200) await trx('messages').insert(messages.slice(i, i + 200));
    });
    have += rows.length;
    onProgress?.(have, Math.round((have * 1000) / Math.max(1, Date.now() - started)));
  }
}
