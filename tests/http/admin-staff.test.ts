import request from 'supertest';
import {
  adminCredentials,
  signIn,
  staffCredentials,
  useInstalledApp,
  type InstalledApp,
} from '../helpers/installed-app';
import { adminAgent, createRole, createStaffWithPassword, tokenOf } from '../helpers/staff-admin';
import { setStaffActive, updateStaff } from '../../src/staff/staff-admin.service';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const strong = 'violet tram harbour 93 lantern';
const auditOf = (action: string) =>
  t.db('audit_log').where({ action }).orderBy('id', 'desc').first('staff_name', 'target_id', 'details', 'ip');

test('roles: create, edit, refuse duplicates and bad input, delete only when unused; all audit-logged', async () => {
  const admin = await adminAgent(t);
  const page = await admin.get('/admin/roles').expect(200);
  expect(page.text).toContain('Administrator');
  expect(page.text).toContain('Cannot be changed.');
  const id = await createRole(t, admin, 'Tier 1 <script>alert(1)</script>', ['tickets.view', 'tickets.reply']);
  const list = (await admin.get('/admin/roles').expect(200)).text;
  expect(list).toContain('Tier 1 &lt;script&gt;alert(1)&lt;/script&gt;');
  expect(list).not.toContain('<script>alert(1)');
  const created = await auditOf('role.created');
  expect(JSON.parse(created.details)).toEqual({
    after: { name: 'Tier 1 <script>alert(1)</script>', capabilities: ['tickets.view', 'tickets.reply'] },
  });

  const token = await tokenOf(admin, `/admin/roles/${id}`);
  await admin
    .post(`/admin/roles/${id}`)
    .type('form')
    .send({ _csrf: token, name: 'Tier 1', capabilities: ['tickets.view', 'tickets.reply', 'tickets.merge'] })
    .expect(303);
  expect(JSON.parse((await t.db('roles').where({ id }).first('capabilities')).capabilities)).toEqual([
    'tickets.view',
    'tickets.reply',
    'tickets.merge',
  ]);
  const changed = JSON.parse((await auditOf('role.changed')).details);
  expect(changed.before.name).toBe('Tier 1 <script>alert(1)</script>');
  expect(changed.after.capabilities).toContain('tickets.merge');

  // A single capability arrives as a string; unknown capabilities, arrays for the name, duplicates are refused.
  await admin
    .post('/admin/roles')
    .type('form')
    .send({ _csrf: token, name: 'Readers', capabilities: 'tickets.view' })
    .expect(303);
  const unknown = await admin
    .post('/admin/roles')
    .type('form')
    .send({ _csrf: token, name: 'Bad', capabilities: ['tickets.view', 'root.everything'] });
  expect(unknown.status).toBe(400);
  expect(unknown.text).toContain('href="#capabilities"');
  expect(
    (
      await admin
        .post('/admin/roles')
        .type('form')
        .send({ _csrf: token, name: ['a', 'b'] })
    ).status,
  ).toBe(400);
  expect(
    (
      await admin
        .post('/admin/roles')
        .type('form')
        .send({ _csrf: token, name: 'x'.repeat(101) })
    ).status,
  ).toBe(400);
  const duplicate = await admin.post('/admin/roles').type('form').send({ _csrf: token, name: 'tier 1' });
  expect(duplicate.status).toBe(400);
  expect(duplicate.text).toContain('A role with this name exists already.');
  expect((await admin.post('/admin/roles').type('form').send({ name: 'No token' })).status).toBe(403);
  expect(await t.db('roles').where({ name: 'No token' }).first()).toBeUndefined();

  // In use: cannot be deleted; unused: deleted.
  const member = await createStaffWithPassword(t, admin, {
    name: 'Rita Role',
    email: 'rita@example.com',
    password: strong,
    role: String(id),
  });
  const inUse = await admin.post(`/admin/roles/${id}/delete`).type('form').send({ _csrf: token });
  expect(inUse.status).toBe(409);
  expect(inUse.text).toContain('Staff members hold this role.');
  await admin
    .post(`/admin/staff/${member}`)
    .type('form')
    .send({ _csrf: token, name: 'Rita Role', email: 'rita@example.com', role: 'default' })
    .expect(303);
  await admin.post(`/admin/roles/${id}/delete`).type('form').send({ _csrf: token }).expect(303);
  expect(await t.db('roles').where({ id }).first()).toBeUndefined();
  expect(await auditOf('role.deleted')).toBeDefined();
  await admin.get(`/admin/roles/${id}`).expect(404);
  await admin.get('/admin/roles/abc').expect(404);

  // Roles are for admins only, even for staff who manage staff.
  const sam = request.agent(t.app);
  await signIn(sam, staffCredentials);
  await sam.get('/admin/roles').expect(403);
});

test("a staff member's role decides their capabilities at once; without a role they keep the defaults", async () => {
  const admin = await adminAgent(t);
  const roleId = await createRole(t, admin, 'Viewers', ['tickets.view']);
  const id = await createStaffWithPassword(t, admin, {
    name: 'Vera Viewer',
    email: 'vera@example.com',
    password: strong,
    role: String(roleId),
  });
  const vera = request.agent(t.app);
  expect((await signIn(vera, { email: 'vera@example.com', password: strong })).status).toBe(303);
  await vera.get('/admin/tickets').expect(200);
  await vera.get('/admin/staff').expect(403);
  // Given staff.manage through the role: the next request has it, no new sign-in needed.
  const token = await tokenOf(admin, `/admin/roles/${roleId}`);
  await admin
    .post(`/admin/roles/${roleId}`)
    .type('form')
    .send({ _csrf: token, name: 'Viewers', capabilities: ['tickets.view', 'staff.manage'] })
    .expect(303);
  await vera.get('/admin/staff').expect(200);
  // Staff without a role (like the helper account Sam) keep the standard capabilities.
  expect((await t.db('staff_users').where({ email: staffCredentials.email }).first('role_id')).role_id).toBeNull();
  await admin
    .post(`/admin/staff/${id}`)
    .type('form')
    .send({ _csrf: token, name: 'Vera Viewer', email: 'vera@example.com', role: 'default' })
    .expect(303);
  await vera.get('/admin/staff').expect(403);
});

test('staff list and edit: role, admin flag, categories; HTML in names inert; bad input refused; every change audited', async () => {
  const admin = await adminAgent(t);
  const category = await t.db('categories').first('id', 'name');
  const id = await createStaffWithPassword(t, admin, {
    name: 'Hal <img src=x onerror=alert(1)>',
    email: 'HAL@Example.com',
    password: strong,
    role: 'default',
    categories: [String(category.id)],
  });
  const list = (await admin.get('/admin/staff').expect(200)).text;
  expect(list).toContain('Hal &lt;img src=x onerror=alert(1)&gt;');
  expect(list).not.toContain('<img src=x');
  expect(list).toContain('hal@example.com');
  expect(list).toContain('Standard staff');
  expect(list).toContain(category.name);
  expect(list).toContain('Never');
  expect(list).toContain('Two-factor sign-in');
  const created = JSON.parse((await auditOf('staff.created')).details);
  expect(created.after).toMatchObject({ email: 'hal@example.com', isAdmin: false, categoryIds: [Number(category.id)] });

  const token = await tokenOf(admin, `/admin/staff/${id}`);
  await admin
    .post(`/admin/staff/${id}`)
    .type('form')
    .send({ _csrf: token, name: 'Hal', email: 'hal@example.com', role: 'admin' })
    .expect(303);
  const row = await t.db('staff_users').where({ id }).first('is_admin', 'name');
  expect(Boolean(row.is_admin)).toBe(true);
  expect(await t.db('staff_categories').where({ staff_id: id })).toEqual([]);
  const changed = JSON.parse((await auditOf('staff.changed')).details);
  expect(changed.before).toMatchObject({ isAdmin: false, categoryIds: [Number(category.id)] });
  expect(changed.after).toMatchObject({ isAdmin: true, categoryIds: [], name: 'Hal' });

  const bad = [
    { name: '', email: 'hal@example.com', role: 'default' },
    { name: 'Hal', email: 'not an address', role: 'default' },
    { name: 'Hal', email: adminCredentials.email, role: 'default' },
    { name: 'Hal', email: 'hal@example.com', role: 'superuser' },
    { name: 'Hal', email: 'hal@example.com', role: '999999' },
    { name: 'Hal', email: 'hal@example.com', role: ['admin', 'default'] },
    { name: 'Hal', email: 'hal@example.com', role: 'default', categories: ['999999'] },
    { name: 'Hal', email: 'hal@example.com', role: 'default', categories: ['1 or 1=1'] },
    { name: 'H'.repeat(121), email: 'hal@example.com', role: 'default' },
    { name: 'Line\nbreak', email: 'hal@example.com', role: 'default' },
  ];
  for (const body of bad)
    expect([
      body,
      (
        await admin
          .post(`/admin/staff/${id}`)
          .type('form')
          .send({ _csrf: token, ...body })
      ).status,
    ]).toEqual([body, 400]);
  const taken = await admin
    .post(`/admin/staff/${id}`)
    .type('form')
    .send({ _csrf: token, name: 'Hal', email: adminCredentials.email, role: 'admin' });
  expect(taken.text).toContain('href="#email"');
  expect(taken.text).toContain('exists already');
  await admin.get('/admin/staff/999999').expect(404);
  await admin
    .post('/admin/staff/999999')
    .type('form')
    .send({ _csrf: token, name: 'X', email: 'x@example.com', role: 'default' })
    .expect(404);
  expect(
    (
      await admin
        .post(`/admin/staff/${id}`)
        .type('form')
        .send({ name: 'No CSRF', email: 'hal@example.com', role: 'default' })
    ).status,
  ).toBe(403);
  expect((await t.db('staff_users').where({ id }).first('name')).name).toBe('Hal');

  // Creating: a weak password or a missing one is refused with the field marked.
  const newToken = await tokenOf(admin, '/admin/staff/new');
  const weak = await admin.post('/admin/staff').type('form').send({
    _csrf: newToken,
    method: 'password',
    name: 'Wes',
    email: 'wes@example.com',
    password: 'password',
    role: 'default',
  });
  expect(weak.status).toBe(400);
  expect(weak.text).toContain('href="#password"');
  expect(
    (
      await admin
        .post('/admin/staff')
        .type('form')
        .send({ _csrf: newToken, method: 'password', name: 'Wes', email: 'wes@example.com', role: 'default' })
    ).status,
  ).toBe(400);
  expect(
    (
      await admin
        .post('/admin/staff')
        .type('form')
        .send({ _csrf: newToken, method: 'magic', name: 'Wes', email: 'wes@example.com', role: 'default' })
    ).status,
  ).toBe(400);
  expect(await t.db('staff_users').where({ email: 'wes@example.com' }).first()).toBeUndefined();
});

test('deactivation: signed out at once, cannot sign in, tickets stay; reactivation; self and last-admin protections', async () => {
  const admin = await adminAgent(t);
  const id = await createStaffWithPassword(t, admin, {
    name: 'Dora Deact',
    email: 'dora@example.com',
    password: strong,
    role: 'default',
  });
  const dora = request.agent(t.app);
  expect((await signIn(dora, { email: 'dora@example.com', password: strong })).status).toBe(303);
  await dora.get('/admin/tickets').expect(200);
  const token = await tokenOf(admin, `/admin/staff/${id}`);
  await admin.post(`/admin/staff/${id}/deactivate`).type('form').send({ _csrf: token }).expect(303);
  expect((await dora.get('/admin/tickets')).headers.location).toMatch(/^\/admin\/login/);
  expect((await signIn(request.agent(t.app), { email: 'dora@example.com', password: strong })).status).toBe(401);
  expect((await admin.get('/admin/staff')).text).toContain('Deactivated');
  expect(await t.db('staff_users').where({ id }).first('id')).toBeDefined();
  expect(JSON.parse((await auditOf('staff.deactivated')).details)).toEqual({
    before: { isActive: true },
    after: { isActive: false },
  });
  await admin.post(`/admin/staff/${id}/reactivate`).type('form').send({ _csrf: token }).expect(303);
  expect((await signIn(request.agent(t.app), { email: 'dora@example.com', password: strong })).status).toBe(303);
  expect(await auditOf('staff.reactivated')).toBeDefined();

  // Ada is the only admin: she cannot deactivate herself or drop her own admin role.
  const ada = await t.db('staff_users').where({ email: adminCredentials.email }).first('id');
  const self = await admin.post(`/admin/staff/${ada.id}/deactivate`).type('form').send({ _csrf: token });
  expect(self.status).toBe(400);
  expect(self.text).toContain('You cannot deactivate your own account.');
  const own = await admin
    .post(`/admin/staff/${ada.id}`)
    .type('form')
    .send({ _csrf: token, name: 'Ada Admin', email: adminCredentials.email, role: 'default' });
  expect(own.status).toBe(400);
  expect(own.text).toContain('You cannot remove your own administrator role.');
  expect(Boolean((await t.db('staff_users').where({ id: ada.id }).first('is_admin')).is_admin)).toBe(true);
  expect((await admin.get(`/admin/staff/${ada.id}`)).text).not.toContain(`/admin/staff/${ada.id}/deactivate`);

  // Another admin cannot take away the last admin's role or deactivate them either.
  const second = await createStaffWithPassword(t, admin, {
    name: 'Bea Boss',
    email: 'bea@example.com',
    password: strong,
    role: 'admin',
  });
  const bea = request.agent(t.app);
  await signIn(bea, { email: 'bea@example.com', password: strong });
  const beaToken = await tokenOf(bea, '/admin/staff');
  await bea
    .post(`/admin/staff/${ada.id}`)
    .type('form')
    .send({ _csrf: beaToken, name: 'Ada Admin', email: adminCredentials.email, role: 'default' })
    .expect(303);
  // Ada is no admin any more (and without staff.manage); Bea, the last admin, cannot drop her own role.
  await admin.get('/admin/staff').expect(403);
  const last = await bea
    .post(`/admin/staff/${second}`)
    .type('form')
    .send({ _csrf: beaToken, name: 'Bea Boss', email: 'bea@example.com', role: 'default' });
  expect(last.status).toBe(400);
  expect(Boolean((await t.db('staff_users').where({ id: second }).first('is_admin')).is_admin)).toBe(true);
  // Restored, Ada may deactivate the other admin: one active admin remains.
  await bea
    .post(`/admin/staff/${ada.id}`)
    .type('form')
    .send({ _csrf: beaToken, name: 'Ada Admin', email: adminCredentials.email, role: 'admin' })
    .expect(303);
  const adaToken = await tokenOf(admin, '/admin/staff');
  await admin.post(`/admin/staff/${second}/deactivate`).type('form').send({ _csrf: adaToken }).expect(303);
  expect((await bea.get('/admin/staff')).status).toBe(303);
});

test('a staff manager who is not an admin cannot make admins, change admins, or hand out capabilities they lack', async () => {
  const admin = await adminAgent(t);
  const managers = await createRole(t, admin, 'Team leads', ['tickets.view', 'tickets.reply', 'staff.manage']);
  const powerful = await createRole(t, admin, 'Deleters', ['tickets.view', 'tickets.delete']);
  const modest = await createRole(t, admin, 'Answerers', ['tickets.view', 'tickets.reply']);
  await createStaffWithPassword(t, admin, {
    name: 'Lea Lead',
    email: 'lea@example.com',
    password: strong,
    role: String(managers),
  });
  const lea = request.agent(t.app);
  await signIn(lea, { email: 'lea@example.com', password: strong });
  const token = await tokenOf(lea, '/admin/staff/new');
  expect((await lea.get('/admin/staff/new')).text).not.toContain('value="admin"');
  const asAdmin = await lea.post('/admin/staff').type('form').send({
    _csrf: token,
    method: 'password',
    name: 'Evil',
    email: 'evil@example.com',
    password: strong,
    role: 'admin',
  });
  expect(asAdmin.status).toBe(400);
  expect(
    (
      await lea
        .post('/admin/staff')
        .type('form')
        .send({
          _csrf: token,
          method: 'password',
          name: 'Evil',
          email: 'evil@example.com',
          password: strong,
          role: String(powerful),
        })
    ).status,
  ).toBe(400);
  expect(await t.db('staff_users').where({ email: 'evil@example.com' }).first()).toBeUndefined();
  await lea
    .post('/admin/staff')
    .type('form')
    .send({
      _csrf: token,
      method: 'password',
      name: 'Ann Answer',
      email: 'ann@example.com',
      password: strong,
      role: String(modest),
    })
    .expect(303);
  const ada = await t.db('staff_users').where({ email: adminCredentials.email }).first('id');
  await lea
    .post(`/admin/staff/${ada.id}`)
    .type('form')
    .send({ _csrf: token, name: 'Ada', email: adminCredentials.email, role: 'default' })
    .expect(403);
  await lea.post(`/admin/staff/${ada.id}/deactivate`).type('form').send({ _csrf: token }).expect(403);
  const self = await t.db('staff_users').where({ email: 'lea@example.com' }).first('id');
  expect(
    (
      await lea
        .post(`/admin/staff/${self.id}`)
        .type('form')
        .send({ _csrf: token, name: 'Lea', email: 'lea@example.com', role: String(powerful) })
    ).status,
  ).toBe(400);
  // A colleague with a stronger role is out of her reach too: no edit, deactivation or two-factor reset.
  const dee = await createStaffWithPassword(t, admin, {
    name: 'Dee Deleter',
    email: 'dee@example.com',
    password: strong,
    role: String(powerful),
  });
  await lea
    .post(`/admin/staff/${dee}`)
    .type('form')
    .send({ _csrf: token, name: 'Dee', email: 'lea+dee@example.com', role: String(modest) })
    .expect(403);
  await lea.post(`/admin/staff/${dee}/deactivate`).type('form').send({ _csrf: token }).expect(403);
  await lea.post(`/admin/staff/${dee}/two-factor/reset`).type('form').send({ _csrf: token }).expect(403);
  expect(await t.db('staff_users').where({ id: dee }).first('email', 'is_active', 'role_id')).toMatchObject({
    email: 'dee@example.com',
    role_id: powerful,
  });
});

test('two admins deactivating or demoting each other at the same moment leave one admin active', async () => {
  const admin = await adminAgent(t);
  const ada = Number((await t.db('staff_users').where({ email: adminCredentials.email }).first('id')).id);
  const cleo = await createStaffWithPassword(t, admin, {
    name: 'Cleo Chief',
    email: 'cleo@example.com',
    password: strong,
    role: 'admin',
  });
  // Only these two are active admins while the race runs.
  const others = (
    await t.db('staff_users').where({ is_admin: true, is_active: true }).whereNotIn('id', [ada, cleo]).pluck('id')
  ).map(Number);
  await t.db('staff_users').whereIn('id', others).update({ is_active: false });
  const actor = (id: number, name: string) => ({ id, name, ip: '127.0.0.1', isAdmin: true, capabilities: [] });
  const details = (id: number) => ({
    name: id === ada ? 'Ada Admin' : 'Cleo Chief',
    email: id === ada ? adminCredentials.email : 'cleo@example.com',
    role: 'default',
  });
  try {
    for (let round = 0; round < 6; round++) {
      const demote = round % 2 === 1;
      const against = (by: number, target: number) =>
        demote
          ? updateStaff(t.services, actor(by, 'x'), target, details(target))
          : setStaffActive(t.services, actor(by, 'x'), target, false);
      await Promise.allSettled([against(ada, cleo), against(cleo, ada)]);
      expect(
        Number(
          (
            await t.db('staff_users').where({ is_admin: true, is_active: true }).count<Array<{ n: number }>>({ n: '*' })
          )[0]!.n,
        ),
      ).toBeGreaterThanOrEqual(1);
      await t
        .db('staff_users')
        .whereIn('id', [ada, cleo])
        .update({ is_admin: true, is_active: true, sessions_valid_after: null });
    }
  } finally {
    await t.db('staff_users').whereIn('id', others).update({ is_active: true });
    await t.db('staff_users').where({ id: cleo }).update({ is_active: false });
  }
});

test('an id past the column range, or not a number, is a 404 on every staff and role route', async () => {
  const admin = await adminAgent(t);
  const token = await tokenOf(admin, '/admin/staff');
  for (const id of ['99999999999', '1e3', 'abc']) {
    await admin.get(`/admin/staff/${id}`).expect(404);
    await admin.get(`/admin/staff/${id}/two-factor`).expect(404);
    await admin.get(`/admin/roles/${id}`).expect(404);
    await admin
      .post(`/admin/staff/${id}`)
      .type('form')
      .send({ _csrf: token, name: 'X', email: 'x@example.com', role: 'default' })
      .expect(404);
    await admin.post(`/admin/staff/${id}/deactivate`).type('form').send({ _csrf: token }).expect(404);
    await admin.post(`/admin/staff/${id}/resend`).type('form').send({ _csrf: token }).expect(404);
    await admin.post(`/admin/staff/${id}/two-factor/reset`).type('form').send({ _csrf: token }).expect(404);
    await admin
      .post(`/admin/roles/${id}`)
      .type('form')
      .send({ _csrf: token, name: 'X', capabilities: 'tickets.view' })
      .expect(404);
    await admin.post(`/admin/roles/${id}/delete`).type('form').send({ _csrf: token }).expect(404);
  }
});
