import { parseDuration } from '../../src/sla/policies.schema';
import { matchPolicy, type Policy, type TicketFacts } from '../../src/sla/policy-match';

const base: Omit<Policy, 'id' | 'name' | 'position'> = {
  isActive: true,
  calendarId: null,
  categoryId: null,
  customerDomain: null,
  fieldId: null,
  fieldValue: null,
  targets: { '1': { first: 60 }, '2': { first: 240, resolution: 2400 } },
};
const policy = (id: number, position: number, extra: Partial<Policy> = {}): Policy => ({
  ...base,
  id,
  name: `P${id}`,
  position,
  ...extra,
});
const ticket = (extra: Partial<TicketFacts> = {}): TicketFacts => ({
  priorityId: 1,
  categoryId: 5,
  customerEmail: 'ann@shop.example.com',
  fieldValues: new Map(),
  ...extra,
});

test('the first fitting policy by position, then by age, wins', () => {
  const policies = [policy(3, 20), policy(1, 10, { categoryId: 9 }), policy(2, 20)];
  expect(matchPolicy(policies, ticket())?.policy.id).toBe(2);
  expect(matchPolicy(policies, ticket({ categoryId: 9 }))?.policy.id).toBe(1);
});

test('each condition narrows: category, customer domain with its subdomains, field value', () => {
  const domain = policy(1, 1, { customerDomain: 'example.com' });
  expect(matchPolicy([domain], ticket())?.policy.id).toBe(1);
  expect(matchPolicy([domain], ticket({ customerEmail: 'x@notexample.com' }))).toBeNull();
  expect(matchPolicy([domain], ticket({ customerEmail: null }))).toBeNull();
  const field = policy(2, 1, { fieldId: 7, fieldValue: 'Gold' });
  expect(matchPolicy([field], ticket({ fieldValues: new Map([[7, ' gold ']]) }))?.policy.id).toBe(2);
  expect(matchPolicy([field], ticket({ fieldValues: new Map([[7, 'silver']]) }))).toBeNull();
  expect(matchPolicy([field], ticket())).toBeNull();
});

test('a policy without a target for the priority, or switched off, is passed over', () => {
  const policies = [policy(1, 1, { targets: { '2': { first: 30 } } }), policy(2, 2, { isActive: false }), policy(3, 3)];
  expect(matchPolicy(policies, ticket())).toEqual({ policy: policies[2], targets: { first: 60 } });
  expect(matchPolicy(policies, ticket({ priorityId: 2 }))?.targets).toEqual({ first: 30 });
  expect(matchPolicy(policies, ticket({ priorityId: 99 }))).toBeNull();
});

test('durations are hours:minutes or hours', () => {
  expect(parseDuration('1:30')).toBe(90);
  expect(parseDuration(' 8 ')).toBe(480);
  expect(parseDuration('0:05')).toBe(5);
  expect(parseDuration('')).toBeUndefined();
  for (const bad of ['0', '0:00', '1:60', '10000', '1.5', '-1', '1:5', 'abc', '1h'])
    expect([bad, parseDuration(bad)]).toEqual([bad, null]);
});
