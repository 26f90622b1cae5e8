import { cleanColumns, fieldIdOf, isSortKey } from '../../src/tickets/list-columns';
import { listParamsOnly, startOfDay } from '../../src/tickets/list-query';

test("a day starts at midnight in the help desk's time zone, DST days included; anything else is not a date", () => {
  expect(startOfDay('2026-03-31', 'UTC')).toBe(Date.UTC(2026, 2, 31));
  expect(startOfDay('2026-03-29', 'Europe/Bratislava')).toBe(Date.UTC(2026, 2, 28, 23)); // the night clocks go forward
  expect(startOfDay('2026-03-30', 'Europe/Bratislava')).toBe(Date.UTC(2026, 2, 29, 22));
  expect(startOfDay('2026-07-01', 'America/New_York')).toBe(Date.UTC(2026, 6, 1, 4));
  for (const bad of [
    '2026-02-30',
    '2026-13-01',
    '2026-1-1',
    '1999-12-31',
    '3000-01-01',
    'yesterday',
    '',
    '2026-01-01T00:00',
  ])
    expect([bad, startOfDay(bad, 'UTC')]).toEqual([bad, null]);
});

test('columns: known ones only, each once, in the house order, always with the tracking ID; every built-in column sorts but tags', () => {
  expect(cleanColumns(['due', 'subject', 'subject', 'f7', 'f9', 'nope'], [7])).toEqual([
    'tracking',
    'subject',
    'due',
    'f7',
  ]);
  expect(fieldIdOf('f12')).toBe(12);
  expect(fieldIdOf('tags')).toBeNull();
  expect(
    [
      'created',
      'updated',
      'due',
      'priority',
      'tracking',
      'subject',
      'customer',
      'category',
      'tier',
      'status',
      'owner',
      'replier',
    ].every(isSortKey),
  ).toBe(true);
  expect(['tags', 'f7', 'nope', 'constructor', '__proto__', 'toString'].some(isSortKey)).toBe(false);
});

test('a saved view keeps the list parameters only', () => {
  expect(listParamsOnly('q=printer&status=new&status=open&page=4&view=2&_csrf=x&cols=tracking,tags').toString()).toBe(
    'q=printer&status=new&status=open&cols=tracking%2Ctags',
  );
  expect(listParamsOnly(`q=${'x'.repeat(5000)}`).get('q')!.length).toBeLessThanOrEqual(200);
});
