import { escalateDueClocks } from '../../src/sla/escalation-batch';
import { escalateDueClock } from '../../src/sla/escalations.service';
import {
  clockStateOf,
  clockWrites,
  desk,
  dueOf,
  highTickets,
  MIN,
  policyListReads,
  priorityUpdates,
  signInAdmin,
  traceOf,
  useEscalationDesk,
} from '../helpers/escalation-desk';

// Each test opens six tickets through the portal form: slow on a loaded machine.
jest.setTimeout(180_000);

useEscalationDesk();

describe('raises that are the last change of their tickets', () => {
  beforeAll(async () => {
    await signInAdmin();
    // The urgent target is shorter than the time gone at 80 %: the re-sync after the raise retargets the clock.
    await desk.adminAgent
      .post(`/admin/sla/policies/${desk.policyId}`)
      .type('form')
      .send({
        _csrf: desk.adminToken,
        name: 'High',
        position: '1',
        [`first_${desk.priorities.high}`]: '1:00',
        [`first_${desk.priorities.urgent}`]: '0:20',
        is_active: 'yes',
      })
      .expect(303);
    const later = await desk.t
      .db('sla_escalation_levels')
      .where({ policy_id: desk.policyId, at_percent: 100 })
      .pluck('id');
    for (const level of later)
      await desk.adminAgent
        .post(`/admin/sla/policies/${desk.policyId}/escalations/${level}/delete`)
        .type('form')
        .send({ _csrf: desk.adminToken })
        .expect(303);
  });

  test('the batch raises them in one UPDATE and re-syncs them together at its end: one policy read, one clock write, and clocks, schedule and history as one by one', async () => {
    const ids = await highTickets(6);
    const [batched, single] = [ids.slice(0, 3), ids.slice(3)];
    const now = desk.t.clock.now();
    const due = await dueOf(batched);
    let updates = 0;
    let writes = 0;
    expect(
      await policyListReads(
        async () =>
          (updates = await priorityUpdates(
            async () =>
              (writes = await clockWrites(async () =>
                expect(await escalateDueClocks(desk.t.services, due, now)).toEqual({ done: 6, left: [] }),
              )),
          )),
      ),
    ).toBe(1);
    expect(updates).toBe(1);
    // The three retargeted clocks: one upsert by id, not a statement per clock.
    expect(writes).toBe(1);
    let singleReads = 0;
    for (const d of await dueOf(single))
      singleReads += await policyListReads(async () => expect(await escalateDueClock(desk.t.services, d, now)).toBe(2));
    expect(singleReads).toBe(3);

    const expected = await traceOf(single[0]!);
    expect(expected.events.map((e) => e.split(' ')[0])).toEqual([
      'sla.escalated',
      'ticket.priority_changed',
      'sla.escalated',
    ]);
    expect(expected).toMatchObject({ priority: 'urgent', done: 2 });
    const expectedClocks = await clockStateOf(single[0]!);
    // Retargeted to the urgent 20 minutes, long gone: the breach job marks it next.
    expect(expectedClocks.clocks).toEqual([
      expect.objectContaining({ kind: 'first', target: 20 * MIN, due_at: 20 * MIN, breached_at: null }),
    ]);
    for (const id of [...batched, ...single]) {
      expect(await traceOf(id)).toEqual(expected);
      expect(await clockStateOf(id)).toEqual(expectedClocks);
    }
  });
});
