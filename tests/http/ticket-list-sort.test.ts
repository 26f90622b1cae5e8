/**
 * Sorting the staff list by every column, both ways, on the page (links with aria-sort) and in
 * the API: the rows come back in exactly the documented order, ties broken by the newest update
 * and the ticket id, no owner and no due date sorting lowest (first ascending, last descending)
 * on every database. A broad list (read part after part) and a searched one (sorted in one query)
 * give the same order.
 */
import { apiAs, apiTokenFor } from '../helpers/api-client';
import { adminCredentials, staffCredentials, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { idsIn, listFixtures } from '../helpers/staff-list';
import { sortKeys } from '../../src/tickets/list-columns';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });
const f = listFixtures(() => t);

type Row = {
  id: number;
  tracking_id: string;
  subject: string;
  customer_id: number;
  customer: string;
  category: string;
  category_id: number;
  tier: number;
  status: string;
  status_id: number;
  priority_id: number;
  owner: string | null;
  owner_id: number | null;
  replier_type: string;
  replier_staff: string | null;
  replier_staff_id: number | null;
  due_at: number | null;
  sla_due_at: number | null;
  updated_at: number;
};

let rows: Row[] = [];
let statusKeys: string[] = [];

/** a < b: -1, equal: 0, a > b: 1 (numbers, or strings caseless). */
const cmp = (a: string | number | null, b: string | number | null): number => {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const [x, y] = typeof a === 'string' && typeof b === 'string' ? [a.toLowerCase(), b.toLowerCase()] : [a, b];
  return x < y ? -1 : x > y ? 1 : 0;
};

/** The documented order of each sort: keys in the sort's direction, then keys always newest first. */
function expected(sort: string, dir: 'asc' | 'desc'): number[] {
  const staffRank = (name: string | null, id: number | null) =>
    id === null ? '' : `${name}\u0000${String(id).padStart(9, '0')}`;
  const keyed: Record<string, { dirKeys: (r: Row) => Array<string | number | null>; newestAfter: boolean }> = {
    updated: { dirKeys: (r) => [r.updated_at, r.id], newestAfter: false },
    created: { dirKeys: (r) => [r.id], newestAfter: false },
    due: { dirKeys: (r) => [r.due_at, r.id], newestAfter: false },
    sla: { dirKeys: (r) => [r.sla_due_at, r.id], newestAfter: false },
    priority: { dirKeys: (r) => [r.priority_id, r.updated_at, r.id], newestAfter: false },
    tracking: { dirKeys: (r) => [r.tracking_id], newestAfter: false },
    subject: { dirKeys: (r) => [r.subject, r.id], newestAfter: false },
    customer: { dirKeys: (r) => [r.customer, r.customer_id], newestAfter: true },
    category: { dirKeys: (r) => [r.category, r.category_id], newestAfter: true },
    tier: { dirKeys: (r) => [r.tier], newestAfter: true },
    status: { dirKeys: (r) => [r.status, r.status_id], newestAfter: true },
    owner: { dirKeys: (r) => [r.owner_id === null ? null : staffRank(r.owner, r.owner_id)], newestAfter: true },
    replier: {
      dirKeys: (r) =>
        r.replier_type === 'customer'
          ? [0, '', r.customer, r.customer_id]
          : [1, staffRank(r.replier_staff, r.replier_staff_id), null, null],
      newestAfter: true,
    },
  };
  const k = keyed[sort]!;
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows]
    .sort((a, b) => {
      // Tickets without a running SLA clock come last in SLA order, both ways.
      const noClock = sort === 'sla' ? cmp(Number(a.sla_due_at === null), Number(b.sla_due_at === null)) : 0;
      if (noClock) return noClock;
      const ka = k.dirKeys(a);
      const kb = k.dirKeys(b);
      for (let i = 0; i < ka.length; i++) {
        const c = cmp(ka[i]!, kb[i]!);
        if (c) return sign * c;
      }
      return k.newestAfter ? -cmp(a.updated_at, b.updated_at) || -cmp(a.id, b.id) : 0;
    })
    .map((r) => r.id);
}

beforeAll(async () => {
  const db = t.db;
  const now = t.clock.now();
  const hour = 3600_000;
  const cats = [await f.category('Zeta printers'), await f.category('alpha accounts'), await f.category('Middle desk')];
  const statuses = (await db('statuses').select('id', 'key')) as Array<{ id: number; key: string }>;
  statusKeys = statuses.map((s) => s.key);
  const priorities = (await db('priorities').pluck('id')).map(Number);
  const ada = await f.staffId(adminCredentials.email);
  const sam = await f.staffId(staffCredentials.email);
  // Subjects and names differ in case on purpose: the order ignores case on every database.
  const specs = [
    {
      subject: 'banana Sortword',
      name: 'Ursula Vega',
      cat: 0,
      tier: 2,
      status: 'open',
      owner: sam,
      replier: 'customer',
      due: now + 5 * hour,
      sla: now + 3 * hour,
      upd: 3,
    },
    {
      subject: 'Apple sortword',
      name: 'bruno Adler',
      cat: 1,
      tier: 1,
      status: 'new',
      owner: null,
      replier: 'staff:ada',
      due: null,
      sla: null,
      upd: 9,
    },
    {
      subject: 'cherry sortword',
      name: 'Ursula Vega',
      cat: 1,
      tier: 3,
      status: 'waiting',
      owner: ada,
      replier: 'staff:sam',
      due: now + 1 * hour,
      sla: now + 4 * hour,
      upd: 5,
    },
    {
      subject: 'apple sortword',
      name: 'Carl Zorn',
      cat: 2,
      tier: 2,
      status: 'open',
      owner: sam,
      replier: 'customer',
      due: null,
      sla: now + 1 * hour,
      upd: 5,
    },
    {
      subject: 'Date sortword',
      name: 'anna Brook',
      cat: 0,
      tier: 1,
      status: 'on_hold',
      owner: null,
      replier: 'staff:ada',
      due: now + 5 * hour,
      sla: null,
      upd: 1,
    },
    {
      subject: 'banana sortword',
      name: 'Bruno Adler',
      cat: 2,
      tier: 3,
      status: 'replied',
      owner: ada,
      replier: 'staff:deleted',
      due: now + 2 * hour,
      sla: now + 3 * hour,
      upd: 7,
    },
    {
      subject: 'elder sortword',
      name: 'Ursula Vega',
      cat: 0,
      tier: 1,
      status: 'new',
      owner: null,
      replier: 'customer',
      due: null,
      sla: now - 2 * hour,
      upd: 5,
    },
  ];
  for (const [i, s] of specs.entries()) {
    const made = await f.ticket({ subject: s.subject, name: s.name, email: `sorter${i}@example.org` });
    const statusId = statuses.find((x) => x.key === s.status)!.id;
    await db('tickets')
      .where({ id: made.id })
      .update({
        category_id: cats[s.cat],
        tier: s.tier,
        status_id: statusId,
        owner_id: s.owner,
        due_at: s.due,
        sla_due_at: s.sla,
        updated_at: now + s.upd * 60_000,
        priority_id: priorities[i % priorities.length],
        last_replier_type: s.replier === 'customer' ? 'customer' : 'staff',
        last_replier_staff_id: s.replier === 'staff:ada' ? ada : s.replier === 'staff:sam' ? sam : null,
      });
  }
  const list = (await db('tickets as t')
    .join('customers as c', 'c.id', 't.customer_id')
    .join('categories as g', 'g.id', 't.category_id')
    .join('statuses as s', 's.id', 't.status_id')
    .leftJoin('staff_users as o', 'o.id', 't.owner_id')
    .leftJoin('staff_users as r', 'r.id', 't.last_replier_staff_id')
    .select(
      't.id',
      't.tracking_id',
      't.subject',
      't.customer_id',
      'c.name as customer',
      'g.name as category',
      't.category_id',
      't.tier',
      's.name as status',
      't.status_id',
      't.priority_id',
      'o.name as owner',
      't.owner_id',
      't.last_replier_type as replier_type',
      'r.name as replier_staff',
      't.last_replier_staff_id as replier_staff_id',
      't.due_at',
      't.sla_due_at',
      't.updated_at',
    )) as Array<Record<string, unknown>>;
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  rows = list.map((r) => ({
    ...(r as unknown as Row),
    id: Number(r.id),
    customer_id: Number(r.customer_id),
    category_id: Number(r.category_id),
    tier: Number(r.tier),
    status_id: Number(r.status_id),
    priority_id: Number(r.priority_id),
    owner_id: num(r.owner_id),
    replier_staff_id: num(r.replier_staff_id),
    due_at: num(r.due_at),
    sla_due_at: num(r.sla_due_at),
    updated_at: Number(r.updated_at),
  }));
  expect(rows).toHaveLength(specs.length);
});

const everyStatus = () => statusKeys.map((k) => `status=${k}`).join('&');
const sortable = sortKeys;

test('every column but tags is a sortable header with aria-sort, both ways', async () => {
  const admin = await f.staffAgent(adminCredentials);
  const cols = 'tracking,subject,customer,category,tier,status,priority,owner,updated,created,replier,due,sla,tags';
  for (const sort of sortable) {
    const page = await admin.get(`/admin/tickets?sort=${sort}&dir=asc&cols=${cols}`).expect(200);
    expect(page.text.match(/aria-sort="ascending"/g)).toHaveLength(1);
    expect(page.text).toMatch(
      new RegExp(
        `<th scope="col" aria-sort="ascending"><a class="sort-link" href="/admin/tickets\\?cols=[^"]*&amp;sort=${sort}&amp;dir=desc" title="[^"]*">`,
      ),
    );
    expect(page.text).toContain('<th scope="col">Tags</th>');
  }
  const desc = await admin.get(`/admin/tickets?sort=customer&cols=${cols}`).expect(200);
  expect(desc.text).toContain('aria-sort="descending"');
  expect(desc.text.match(/class="sort-link"/g)).toHaveLength(13);
});

test.each(
  sortable.flatMap(
    (sort) =>
      [
        [sort, 'asc'],
        [sort, 'desc'],
      ] as const,
  ),
)('sort=%s dir=%s: the exact documented order, in the broad list and in a search', async (sort, dir) => {
  const admin = await f.staffAgent(adminCredentials);
  const want = expected(sort, dir);
  const ours = (ids: number[]) => ids.filter((id) => want.includes(id));
  // The list of every status (read part after part for the name sorts) and a search (one sorted query).
  const broad = idsIn(
    (await admin.get(`/admin/tickets?${everyStatus()}&sort=${sort}&dir=${dir}&size=100`).expect(200)).text,
  );
  expect(ours(broad)).toEqual(want);
  const searched = idsIn(
    (await admin.get(`/admin/tickets?q=sortword&sort=${sort}&dir=${dir}&size=100`).expect(200)).text,
  );
  expect(searched).toEqual(want);
});

test('the API accepts every sort key and returns the same order', async () => {
  const api = apiAs(t, await apiTokenFor(t, adminCredentials.email));
  for (const sort of sortable) {
    for (const dir of ['asc', 'desc'] as const) {
      const res = await api.get(`/tickets?${everyStatus()}&sort=${sort}&dir=${dir}&size=25`).expect(200);
      expect(
        res.body.items.map((i: { id: number }) => i.id).filter((id: number) => rows.some((r) => r.id === id)),
      ).toEqual(expected(sort, dir));
    }
  }
  await api.get('/tickets?sort=tags').expect(400);
});
