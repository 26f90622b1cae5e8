import { formatTrackingId, newTrackingId, parseTrackingId, trackingAlphabet } from '../../src/tickets/tracking-id';

test('tracking IDs use only the unambiguous alphabet and are formatted XXX-XXX-XXXX', () => {
  expect(trackingAlphabet).not.toMatch(/[01OIL]/);
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const id = newTrackingId();
    expect(id).toMatch(/^[2-9A-HJKMNP-Z]{10}$/);
    seen.add(id);
  }
  expect(seen.size).toBe(2000);
  expect(formatTrackingId('ABC234DEFG')).toBe('ABC-234-DEFG');
});

test('typed tracking IDs are normalised or refused', () => {
  expect(parseTrackingId('abc-234-defg')).toBe('ABC234DEFG');
  expect(parseTrackingId(' ABC 234 DEFG ')).toBe('ABC234DEFG');
  for (const bad of [
    'ABC-234-DEF',
    'ABC-234-DEFGH',
    'ABO-234-DEFG',
    '',
    null,
    ['ABC234DEFG'],
    { a: 1 },
    'A'.repeat(100),
    "ABC'--DEFG",
  ]) {
    expect(parseTrackingId(bad)).toBeNull();
  }
});
