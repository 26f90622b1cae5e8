import request from 'supertest';
import { adminCredentials, csrfFrom, signIn, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { insertStaff } from '../../src/staff/staff.repo';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

type Team = { ann: number; away: number; gone: number; dan: number; outsider: number };

/** Five people: two who may take tickets, one away, one deactivated, one without access. */
async function team(prefix: string): Promise<Team> {
  const add = (name: string) =>
    insertStaff(
      t.db,
      {
        email: `${prefix}-${name}@example.com`,
        name: `${prefix} ${name}`,
        passwordHash: 'x',
        isAdmin: false,
        language: 'en',
      },
      t.clock.now(),
    );
  const ids = {
    ann: await add('ann'),
    away: await add('away'),
    gone: await add('gone'),
    dan: await add('dan'),
    outsider: await add('outsider'),
  };
  await t.db('staff_users').where({ id: ids.away }).update({ is_away: true });
  await t.db('staff_users').where({ id: ids.gone }).update({ is_active: false });
  return ids;
}

async function categoryWith(name: string, strategy: string, members: number[]): Promise<number> {
  const admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
  const token = csrfFrom((await admin.get('/admin/categories/new').expect(200)).text);
  // The staff boxes only list active people: the deactivated member is linked directly.
  const active = (await t.db('staff_users').whereIn('id', members).where({ is_active: true }).pluck('id')).map(String);
  await admin
    .post('/admin/categories')
    .type('form')
    .send({ _csrf: token, name_en: name, visibility: 'public', tier: '1', auto_assign: strategy, staff: active })
    .expect(303);
  const id = Number((await t.db('categories').where({ name }).first('id')).id);
  const inactive = members.filter((m) => !active.includes(String(m)));
  if (inactive.length)
    await t.db('staff_categories').insert(inactive.map((staff_id) => ({ staff_id, category_id: id })));
  return id;
}

async function newTicketIn(categoryId: number): Promise<{ id: number; owner: number | null }> {
  const tracking = await openTicket(t, request.agent(t.app), {
    category: String(categoryId),
    email: `c${Math.random().toString(36).slice(2)}@example.net`,
  });
  const row = await t.db('tickets').where({ tracking_id: tracking }).first('id', 'owner_id');
  return { id: Number(row.id), owner: row.owner_id == null ? null : Number(row.owner_id) };
}

test('round-robin takes turns among the active, present staff of the category, with a reason in the history', async () => {
  const p = await team('rr');
  const category = await categoryWith('Round robin desk', 'round_robin', [p.ann, p.away, p.gone, p.dan]);
  const owners: Array<number | null> = [];
  for (let i = 0; i < 4; i++) owners.push((await newTicketIn(category)).owner);
  expect(owners).toEqual([p.ann, p.dan, p.ann, p.dan]);
  expect(owners).not.toContain(p.outsider);
  const last = await t.db('tickets').where({ category_id: category }).orderBy('id', 'desc').first('id');
  const event = await t.db('ticket_events').where({ ticket_id: last.id, type: 'ticket.assigned' }).first();
  expect(event.actor_type).toBe('system');
  const data = JSON.parse(event.data);
  expect(data.to).toBe(p.dan);
  expect(data.reason).toMatch(/^auto:round_robin/);
  // The turn lives in the database, so another instance continues the rotation.
  expect(Number((await t.db('assignment_turns').where({ category_id: category }).first('turn')).turn)).toBe(4);

  // Someone who comes back from being away joins the rotation.
  await t.db('staff_users').where({ id: p.away }).update({ is_away: false });
  const next = [
    (await newTicketIn(category)).owner,
    (await newTicketIn(category)).owner,
    (await newTicketIn(category)).owner,
  ];
  expect(new Set(next)).toEqual(new Set([p.ann, p.away, p.dan]));
});

test('least-loaded gives the ticket to whoever owns the fewest open tickets', async () => {
  const p = await team('ll');
  const category = await categoryWith('Least loaded desk', 'least_loaded', [p.ann, p.away, p.gone, p.dan]);
  // Ann already owns two open tickets, Dan one open and several closed ones.
  const open = await t.db('statuses').where({ key: 'open' }).first('id');
  const closed = await t.db('statuses').where({ key: 'closed' }).first('id');
  const seed = async (owner: number, statusId: number) => {
    const ticket = await newTicketIn(1);
    await t.db('tickets').where({ id: ticket.id }).update({ owner_id: owner, status_id: statusId });
  };
  await seed(p.ann, open.id);
  await seed(p.ann, open.id);
  await seed(p.dan, open.id);
  for (let i = 0; i < 3; i++) await seed(p.dan, closed.id);

  const first = await newTicketIn(category);
  expect(first.owner).toBe(p.dan); // 1 open against Ann's 2; closed tickets do not count
  const second = await newTicketIn(category);
  expect([p.ann, p.dan]).toContain(second.owner); // both at 2 now: either may have it
  const third = await newTicketIn(category);
  expect(third.owner).toBe(second.owner === p.ann ? p.dan : p.ann);
  const event = await t.db('ticket_events').where({ ticket_id: first.id, type: 'ticket.assigned' }).first();
  expect(JSON.parse(event.data).reason).toMatch(/^auto:least_loaded/);
  for (const ticket of [first, second, third]) expect([p.away, p.gone, p.outsider]).not.toContain(ticket.owner);
});

test('nobody to assign, or no rule: the ticket waits unassigned', async () => {
  const p = await team('none');
  const empty = await categoryWith('Everyone away', 'round_robin', [p.away, p.gone]);
  expect((await newTicketIn(empty)).owner).toBeNull();
  const manual = await categoryWith('Manual desk', 'none', [p.ann, p.dan]);
  expect((await newTicketIn(manual)).owner).toBeNull();
});

test('auto-assignment skips staff whose role may not see tickets', async () => {
  const p = await team('role');
  const now = t.clock.now();
  await t
    .db('roles')
    .insert({ name: 'Reports only', capabilities: JSON.stringify(['reports.run']), created_at: now, updated_at: now });
  const role = Number((await t.db('roles').where({ name: 'Reports only' }).first('id')).id);
  await t.db('staff_users').where({ id: p.ann }).update({ role_id: role });
  const category = await categoryWith('Role-aware desk', 'round_robin', [p.ann, p.dan]);
  const owners = [(await newTicketIn(category)).owner, (await newTicketIn(category)).owner];
  expect(owners).toEqual([p.dan, p.dan]);
  const least = await categoryWith('Role-aware least', 'least_loaded', [p.ann, p.dan]);
  expect((await newTicketIn(least)).owner).toBe(p.dan);
});

test('tickets created at the same moment in one category each take their own turn', async () => {
  const p = await team('burst');
  const category = await categoryWith('Busy desk', 'round_robin', [p.ann, p.dan]);
  const results = await Promise.all(Array.from({ length: 6 }, () => newTicketIn(category)));
  const counts = new Map<number | null, number>();
  for (const r of results) counts.set(r.owner, (counts.get(r.owner) ?? 0) + 1);
  expect(counts.get(p.ann)).toBe(3);
  expect(counts.get(p.dan)).toBe(3);
  expect(Number((await t.db('assignment_turns').where({ category_id: category }).first('turn')).turn)).toBe(6);
});
