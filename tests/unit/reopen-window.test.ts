import { takesCustomerReply } from '../../src/auto-close/reopen-window';

const DAY = 86_400_000;
const closedAt = Date.UTC(2026, 11, 1);

test('an open ticket always takes the reply; a closed one within the window only; 0 days never', () => {
  expect(takesCustomerReply({ statusIsOpen: true, resolvedAt: null }, 0, closedAt)).toBe(true);
  expect(takesCustomerReply({ statusIsOpen: false, resolvedAt: closedAt }, 30, closedAt + 30 * DAY)).toBe(true);
  expect(takesCustomerReply({ statusIsOpen: false, resolvedAt: closedAt }, 30, closedAt + 30 * DAY + 1)).toBe(false);
  expect(takesCustomerReply({ statusIsOpen: false, resolvedAt: closedAt }, 0, closedAt + 1)).toBe(false);
  // Older data without a resolution time is given the benefit of the doubt.
  expect(takesCustomerReply({ statusIsOpen: false, resolvedAt: null }, 30, closedAt)).toBe(true);
});
