import request from 'supertest';
import { isCapabilityOffered } from '../../src/features/not-built';
import { capabilities as allCapabilities, type Capability } from '../../src/staff/capabilities';

// The roles form offers (and takes) only capabilities of features that exist.
const capabilities = allCapabilities.filter(isCapabilityOffered);
import {
  capabilitiesWithoutRoutes,
  capabilityRoutes,
  type CapabilityRequest,
  type RouteContext,
} from '../helpers/capability-routes';
import { csrfFrom, signIn, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';
import { adminAgent, createRole, createStaffWithPassword, tokenOf } from '../helpers/staff-admin';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const password = 'indigo compass ferry 62 willow';

type Account = { agent: request.Agent; id: number };
let withAll: Account;
const withoutOne = new Map<Capability, Account>();
let ctxBase: Omit<RouteContext, 'selfId'>;
let customers = 0;

async function account(
  admin: request.Agent,
  label: string,
  caps: readonly Capability[],
  categories: string[],
): Promise<Account> {
  const role = await createRole(t, admin, `Matrix ${label}`, [...caps]);
  const email = `${label.replace(/[^a-z]/gi, '-').toLowerCase()}@matrix.example`;
  const id = await createStaffWithPassword(t, admin, {
    name: `Matrix ${label}`,
    email,
    password,
    role: String(role),
    categories,
  });
  const agent = request.agent(t.app);
  if ((await signIn(agent, { email, password })).status !== 303) throw new Error(`sign-in of ${label} failed`);
  return { agent, id };
}

beforeAll(async () => {
  const admin = await adminAgent(t);
  const now = t.clock.now();
  await t.db('categories').insert({
    name: 'Matrix second line',
    tier: 1,
    is_public: true,
    sort_order: 9,
    is_active: true,
    created_at: now,
    updated_at: now,
  });
  const cats = (await t.db('categories').orderBy('id').pluck('id')).map(String);
  const second = await t.db('categories').where({ name: 'Matrix second line' }).first('id');
  const adminToken = await tokenOf(admin, '/admin/canned');
  await admin
    .post('/admin/canned')
    .type('form')
    .send({ _csrf: adminToken, title: 'Shared greeting', body: 'Hello.', shared: 'yes' })
    .expect(303);
  const shared = await t
    .db('canned_responses')
    .where({ title: 'Shared greeting' })
    .whereNull('owner_staff_id')
    .first('id');
  const ada = await t.db('staff_users').where({ is_admin: true }).orderBy('id').first('id');
  ctxBase = {
    t,
    otherCategoryId: Number(second.id),
    colleagueId: Number(ada.id),
    sharedCannedId: Number(shared.id),
    newTicket: async () => {
      // A customer per ticket, and no rate limit in the way: the matrix opens many tickets.
      await t.db('rate_limits').del();
      const trackingId = await openTicket(t, request.agent(t.app), { email: `customer${++customers}@matrix.example` });
      const row = await t.db('tickets').where({ tracking_id: trackingId }).first('id');
      return { id: Number(row.id), trackingId };
    },
  };
  withAll = await account(admin, 'all', capabilities, cats);
  for (const cap of new Set(capabilityRoutes.map((r) => r.capability))) {
    withoutOne.set(
      cap,
      await account(
        admin,
        `without ${cap}`,
        capabilities.filter((c) => c !== cap),
        cats,
      ),
    );
  }
}, 120_000);

async function send(who: Account, req: CapabilityRequest): Promise<number> {
  if (req.method === 'get') return (await who.agent.get(req.path)).status;
  const token = csrfFrom((await who.agent.get('/admin/tickets')).text);
  return (
    await who.agent
      .post(req.path)
      .type('form')
      .send({ _csrf: token, ...req.form })
  ).status;
}

test('every capability with pages has rows in the route table', () => {
  const covered = new Set<string>([...capabilityRoutes.map((r) => r.capability), ...capabilitiesWithoutRoutes]);
  // Capabilities other areas add (e.g. views.share) are theirs to cover; ours must all be here.
  const ours: Capability[] = [
    'tickets.view',
    'tickets.reply',
    'tickets.assign_others',
    'tickets.change_category',
    'tickets.merge',
    'tickets.delete',
    'tickets.export',
    'canned.manage',
    'settings.manage',
    'staff.manage',
    'bans.manage',
  ];
  expect(ours.filter((c) => !covered.has(c))).toEqual([]);
});

describe.each(capabilityRoutes.map((r) => [`${r.capability}: ${r.name}`, r] as const))('%s', (_label, route) => {
  test('refused without the capability, done with it', async () => {
    const without = withoutOne.get(route.capability)!;
    const deniedStatus = await send(without, await route.request({ ...ctxBase, selfId: without.id }));
    expect(deniedStatus).toBe(route.denied ?? 403);
    const allowedStatus = await send(withAll, await route.request({ ...ctxBase, selfId: withAll.id }));
    expect([allowedStatus, (route.allowed ?? ((s: number) => s >= 200 && s < 400))(allowedStatus)]).toEqual([
      allowedStatus,
      true,
    ]);
  });
});

test('the ticket page hides what the role cannot do', async () => {
  const ticket = await ctxBase.newTicket();
  const page = (who: Account) => who.agent.get(`/admin/tickets/${ticket.id}`).then((r) => r.text);
  const full = await page(withAll);
  for (const marker of [
    `/admin/tickets/${ticket.id}/delete`,
    `/admin/tickets/${ticket.id}/merge`,
    `/admin/tickets/${ticket.id}/reply`,
    'id="owner"',
    'id="category"',
  ])
    expect(full).toContain(marker);
  expect(await page(withoutOne.get('tickets.delete')!)).not.toContain(`/admin/tickets/${ticket.id}/delete`);
  expect(await page(withoutOne.get('tickets.merge')!)).not.toContain(`/admin/tickets/${ticket.id}/merge`);
  const noReply = await page(withoutOne.get('tickets.reply')!);
  expect(noReply).not.toContain(`/admin/tickets/${ticket.id}/reply`);
  expect(noReply).not.toContain(`/admin/tickets/${ticket.id}/note`);
  expect(noReply).not.toContain(`/admin/tickets/${ticket.id}/take`);
  // Nor the status and priority, the escalation, the tags, due date, time and links: a role without tickets.reply only reads.
  for (const marker of ['id="status"', 'id="priority"', `/escalate"`, `/tags"`, `/due"`, `/time"`, `/links"`])
    expect(noReply).not.toContain(marker);
  for (const marker of ['id="status"', 'id="priority"', `/escalate"`, `/tags"`, `/due"`, `/time"`, `/links"`])
    expect(full).toContain(marker);
  expect(await page(withoutOne.get('tickets.assign_others')!)).not.toContain('id="owner"');
  expect(await page(withoutOne.get('tickets.change_category')!)).not.toContain('id="category"');
  // The properties form still works for what the role may change (no owner or category sent).
  const noAssign = withoutOne.get('tickets.assign_others')!;
  const token = csrfFrom(await page(noAssign));
  const current = await t.db('tickets').where({ id: ticket.id }).first('category_id');
  await noAssign.agent
    .post(`/admin/tickets/${ticket.id}/properties`)
    .type('form')
    .send({ _csrf: token, status: 'open', priority: 'high', category: String(current.category_id) })
    .expect(303);
  expect((await t.db('tickets').where({ id: ticket.id }).first('priority_id')).priority_id).toBe(
    (await t.db('priorities').where({ key: 'high' }).first('id')).id,
  );
});
