import { messageBodies } from '../../bench/shape';

// shared/bench/DATA-SHAPE.md: a first message of about 540 bytes, a staff answer of about 350, a follow-up of about 260.
test('the seeded messages have the sizes the data shape names', () => {
  const rows = 2000;
  const totals = [0, 0, 0];
  for (let r = 1; r <= rows; r++) {
    const bodies = messageBodies(r);
    for (let i = 0; i < 3; i++) totals[i]! += Buffer.byteLength(bodies[i]!);
  }
  const averages = totals.map((t) => Math.round(t / rows));
  expect(averages.map((a, i) => Math.abs(a - [540, 350, 260][i]!) <= 15)).toEqual([true, true, true]);
});
