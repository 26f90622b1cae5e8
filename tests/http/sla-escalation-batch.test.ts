import { failedRowBackoffMs } from '../../src/jobs/job-lease';
import { escalationBatchFrom, runSlaEscalations } from '../../src/jobs/sla-escalations';
import { escalateDueClocks } from '../../src/sla/escalation-batch';
import { escalateDueClock } from '../../src/sla/escalations.service';
import {
  desk,
  dueOf,
  highTickets,
  setClock,
  statementsLike,
  traceOf,
  useEscalationDesk,
} from '../helpers/escalation-desk';

/** Tickets whose escalation action throws (in the batch and one by one alike). */
const mockBroken = new Set<number>();
jest.mock('../../src/sla/escalation-actions', () => {
  const actual = jest.requireActual<typeof import('../../src/sla/escalation-actions')>(
    '../../src/sla/escalation-actions',
  );
  return {
    ...actual,
    applyEscalation: (...args: Parameters<typeof actual.applyEscalation>) =>
      mockBroken.has(args[3].ticketId) ? Promise.reject(new Error('broken ticket')) : actual.applyEscalation(...args),
  };
});

// Each test opens up to eleven tickets through the portal form: slow on a loaded machine.
jest.setTimeout(180_000);

useEscalationDesk();

afterEach(() => mockBroken.clear());

test('a batch with mixed actions does exactly what the one-by-one step does: same history, same mails, same ticket', async () => {
  const ids = await highTickets(6);
  const [batched, single] = [ids.slice(0, 3), ids.slice(3)];
  const now = desk.t.clock.now();
  const outcome = await escalateDueClocks(desk.t.services, await dueOf(batched), now);
  expect(outcome).toEqual({ done: 12, left: [] });
  for (const due of await dueOf(single)) expect(await escalateDueClock(desk.t.services, due, now)).toBe(4);

  const expected = await traceOf(single[0]!);
  expect(expected.events.filter((e) => e.startsWith('sla.escalated'))).toHaveLength(4);
  expect(expected.mails.filter((m) => m.startsWith('staff_sla_warning'))).toHaveLength(2);
  expect(expected).toMatchObject({ priority: 'urgent', done: 4, ownerId: expect.any(Number) });
  for (const id of [...batched, ...single]) expect(await traceOf(id)).toEqual(expected);
});

test('two batches and the one-by-one step over the same due clocks at once: every level acts once', async () => {
  const ids = await highTickets(3);
  const due = await dueOf(ids);
  const now = desk.t.clock.now();
  const results = await Promise.all([
    escalateDueClocks(desk.t.services, due, now).then((r) => r.done),
    escalateDueClocks(desk.t.services, due, now).then((r) => r.done),
    ...due.map((d) => escalateDueClock(desk.t.services, d, now)),
  ]);
  expect(results.reduce((a, b) => a + b, 0)).toBe(12);
  for (const id of ids) {
    const trace = await traceOf(id);
    expect(trace.done).toBe(4);
    expect(trace.events.filter((e) => e.startsWith('sla.escalated'))).toHaveLength(4);
    expect(trace.mails.filter((m) => m.startsWith('staff_sla_warning'))).toHaveLength(2);
  }
});

test('two runs whose batches overlap: the second finds a clock taken, claims the others one by one, and every level acts once', async () => {
  const ids = await highTickets(3);
  // Both runs read the due clocks before either claims them, as two processes do.
  const due = await dueOf(ids);
  const now = desk.t.clock.now();
  const [a, b, c] = due;
  expect(await escalateDueClocks(desk.t.services, [a!, b!], now)).toEqual({ done: 8, left: [] });
  // The second batch's two-statement claim changes two rows of three: undone, then a claim per clock.
  let second: Awaited<ReturnType<typeof escalateDueClocks>> | undefined;
  const singleClaims = await statementsLike(
    /sla_escalation_due. where .clock_id. = (\?|\$1) and .next_at. = (\?|\$2)$/i,
    async () => {
      second = await escalateDueClocks(desk.t.services, [b!, c!], now);
    },
  );
  expect(second).toEqual({ done: 4, left: [] });
  expect(singleClaims).toBe(2);
  const expected = await traceOf(ids[0]!);
  expect(expected).toMatchObject({ priority: 'urgent', done: 4 });
  expect(expected.events.filter((e) => e.startsWith('sla.escalated'))).toHaveLength(4);
  for (const id of ids) expect(await traceOf(id)).toEqual(expected);
});

test('the job batches a busy minute; a ticket whose action throws is passed by the batch and waits its backoff, the others escalate', async () => {
  const ids = await highTickets(escalationBatchFrom + 1);
  const broken = ids[4]!;
  mockBroken.add(broken);
  const warned = jest.spyOn(desk.t.services.logger, 'warn');
  expect(await runSlaEscalations(desk.t.services)).toBe(4 * (ids.length - 1));
  expect(warned).toHaveBeenCalledWith(
    expect.objectContaining({ job: 'sla-escalations' }),
    expect.stringContaining('batch failed'),
  );
  warned.mockRestore();
  for (const id of ids) expect((await traceOf(id)).done).toBe(id === broken ? 0 : 4);
  const [row] = await desk.t
    .db('sla_escalation_due')
    .where({ ticket_id: broken })
    .select<Array<{ next_at: number | string }>>('next_at');
  expect(Number(row!.next_at)).toBe(desk.t.clock.now() + failedRowBackoffMs);

  // Working again after its backoff, it escalates like the others did.
  mockBroken.clear();
  setClock(desk.t.clock.now() + failedRowBackoffMs);
  expect(await runSlaEscalations(desk.t.services)).toBe(4);
  expect(await traceOf(broken)).toEqual(await traceOf(ids[0]!));
});

test('a busy minute without failures is one batch per 50 clocks, with nothing left for the one-by-one step', async () => {
  const ids = await highTickets(escalationBatchFrom);
  const warned = jest.spyOn(desk.t.services.logger, 'warn');
  expect(await runSlaEscalations(desk.t.services)).toBe(4 * ids.length);
  expect(warned).not.toHaveBeenCalled();
  warned.mockRestore();
  for (const id of ids) expect((await traceOf(id)).done).toBe(4);
});
