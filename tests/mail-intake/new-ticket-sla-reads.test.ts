import { queriesDuring, useInstalledApp, type InstalledApp } from '../helpers/installed-app';
import { importMail, simpleMail } from '../helpers/mail-intake';
import { policyWithRaise } from '../helpers/sla';

let t: InstalledApp;
useInstalledApp((app) => (t = app), { freshRateLimits: true });

const clocksOf = async (ticketId: number | null) =>
  Number((await t.db('sla_clocks').where({ ticket_id: ticketId! }).count({ n: '*' }).first())!.n);

test('a new ticket on a desk without SLA policies reads no clocks or escalations; once a policy exists it gets its clocks and first escalation without reading any before', async () => {
  let first: Awaited<ReturnType<typeof importMail>> | undefined;
  const reads = await queriesDuring(t, async () => {
    first = await importMail(t, simpleMail({ from: 'ann@example.org' }));
  });
  expect(first!.outcome).toBe('created');
  expect(reads.filter((sql) => /sla_policies/.test(sql))).toHaveLength(1);
  expect(reads.filter((sql) => /sla_clocks|sla_escalation_due/.test(sql))).toEqual([]);
  expect(await clocksOf(first!.ticketId)).toBe(0);

  await policyWithRaise(t, 'Everyone');
  let second: Awaited<ReturnType<typeof importMail>> | undefined;
  const withPolicy = await queriesDuring(t, async () => {
    second = await importMail(t, simpleMail({ from: 'bob@example.org' }));
  });
  expect(second!.outcome).toBe('created');
  expect(await clocksOf(second!.ticketId)).toBeGreaterThan(0);
  // A brand-new ticket has no clock, schedule or level done to read, lock or delete: its clocks are
  // written, read back once for their ids, and its first escalation is planned.
  expect(withPolicy.filter((sql) => /^select\b.*\bsla_clocks\b/i.test(sql))).toHaveLength(1);
  expect(withPolicy.filter((sql) => /sla_escalations_done|delete\b.*sla_escalation_due/i.test(sql))).toEqual([]);
  const due = await t.db('sla_escalation_due').where({ ticket_id: second!.ticketId });
  expect(due).toHaveLength(1);
  expect(due[0].next_at).not.toBeNull();
});
