import { queriesDuring, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { importMail, simpleMail } from '../helpers/mail-intake';
import { signedInAdmin } from '../helpers/sla';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const clocksOf = async (ticketId: number | null) =>
  Number((await t.db('sla_clocks').where({ ticket_id: ticketId! }).count({ n: '*' }).first())!.n);

test('a new ticket on a desk without SLA policies reads no clocks or escalations; once a policy exists it gets its clocks', async () => {
  let first: Awaited<ReturnType<typeof importMail>> | undefined;
  const reads = await queriesDuring(t, async () => {
    first = await importMail(t, simpleMail({ from: 'ann@example.org' }));
  });
  expect(first!.outcome).toBe('created');
  expect(reads.filter((sql) => /sla_policies/.test(sql))).toHaveLength(1);
  expect(reads.filter((sql) => /sla_clocks|sla_escalation_due/.test(sql))).toEqual([]);
  expect(await clocksOf(first!.ticketId)).toBe(0);

  const { agent, token } = await signedInAdmin(t);
  const priorities = await t.db('priorities').pluck('id');
  const targets = Object.fromEntries(priorities.map((id: number) => [`first_${id}`, '1']));
  await agent
    .post('/admin/sla/policies')
    .type('form')
    .send({ _csrf: token, name: 'Everyone', position: '10', is_active: 'yes', ...targets })
    .expect(303);
  const second = await importMail(t, simpleMail({ from: 'bob@example.org' }));
  expect(second.outcome).toBe('created');
  expect(await clocksOf(second.ticketId)).toBeGreaterThan(0);
});
