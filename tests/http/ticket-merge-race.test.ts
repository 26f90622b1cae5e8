import request from 'supertest';
import { adminCredentials, csrfFrom, signIn, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { openTicket } from '../helpers/portal';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

async function ticket(customer: request.Agent, subject: string) {
  const tracking = await openTicket(t, customer, { subject });
  return { tracking, id: Number((await t.db('tickets').where({ tracking_id: tracking }).first('id')).id) };
}

test('two staff merging a pair into each other at once: one merge wins, never a cycle', async () => {
  const customer = request.agent(t.app);
  const admin = request.agent(t.app);
  expect((await signIn(admin, adminCredentials)).status).toBe(303);
  for (let round = 0; round < 3; round++) {
    const a = await ticket(customer, `Pair ${round} A`);
    const b = await ticket(customer, `Pair ${round} B`);
    const token = csrfFrom((await admin.get(`/admin/tickets/${a.id}`)).text);
    const merge = (from: number, into: string) =>
      admin.post(`/admin/tickets/${from}/merge`).type('form').send({ _csrf: token, target: into, confirm: 'yes' });
    const answers = await Promise.all([merge(a.id, b.tracking), merge(b.id, a.tracking)]);
    expect(answers.map((r) => r.status).sort()).toEqual([303, 400]);
    const rows = await t.db('tickets').whereIn('id', [a.id, b.id]).select('id', 'merged_into_id');
    expect(rows.filter((r: { merged_into_id: unknown }) => r.merged_into_id !== null)).toHaveLength(1);
  }
});
