import { epochToZonedLocal, effectiveZone, zonedLocalToEpoch } from '../../src/tickets/zoned-time';

test('a wall-clock time is read in the given zone, summer and winter time included', () => {
  expect(zonedLocalToEpoch('2026-11-24T15:30', 'Europe/Bratislava')).toBe(Date.UTC(2026, 10, 24, 14, 30));
  expect(zonedLocalToEpoch('2026-07-24T15:30', 'Europe/Bratislava')).toBe(Date.UTC(2026, 6, 24, 13, 30));
  expect(zonedLocalToEpoch('2026-07-24T15:30', 'America/New_York')).toBe(Date.UTC(2026, 6, 24, 19, 30));
  expect(zonedLocalToEpoch('2026-07-24T15:30', 'UTC')).toBe(Date.UTC(2026, 6, 24, 15, 30));
  // 02:30 does not exist on the spring-forward night: it lands just after the jump.
  expect(zonedLocalToEpoch('2026-03-29T02:30', 'Europe/Bratislava')).toBe(Date.UTC(2026, 2, 29, 1, 30));
});

test('the way back gives the same wall clock', () => {
  for (const local of ['2026-01-01T00:00', '2026-06-30T23:59', '2026-10-25T04:15']) {
    for (const tz of ['Europe/Riga', 'Asia/Kolkata', 'UTC'])
      expect(epochToZonedLocal(zonedLocalToEpoch(local, tz)!, tz)).toBe(local);
  }
});

test('text that is not a date and time, and unknown zones', () => {
  for (const bad of [
    '',
    '2026-02-31T10:00',
    '2026-13-01T10:00',
    '2026-01-01T24:00',
    '2026-01-01 10:00',
    '2026-01-01T10:00:00',
    'tomorrow',
  ])
    expect(zonedLocalToEpoch(bad, 'UTC')).toBeNull();
  expect(effectiveZone('Mars/Olympus')).toBe('UTC');
  expect(zonedLocalToEpoch('2026-07-24T15:30', 'Mars/Olympus')).toBe(Date.UTC(2026, 6, 24, 15, 30));
});
